/**
 * What the page asked of the API and what it got (method, path, status: the bodies are encrypted),
 * plus the page's own errors: the evidence a failed step reports, so that a server defect can be
 * told from a test defect without rerunning.
 */
import type { Page } from 'playwright-core';

export interface ApiCall {
  method: string;
  /** Path below the API's base, such as `/datastore/` (ids shortened to `<id>`). */
  path: string;
  status: number;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export class ApiRecorder {
  readonly calls: ApiCall[] = [];
  readonly pageErrors: string[] = [];
  private stepStart = 0;

  /** Records every response under `apiBase` (`http://127.0.0.1:P/server`) that `page` receives. */
  constructor(page: Page, apiBase: string) {
    page.on('response', (response) => {
      const url = response.url();
      if (!url.startsWith(`${apiBase}/`)) return;
      const path = new URL(url).pathname.slice(new URL(apiBase).pathname.length).replace(UUID, '<id>');
      this.calls.push({ method: response.request().method(), path, status: response.status() });
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  /** Starts a step: `sinceStep()` and `report()` look only at calls from here on. */
  startStep(): void {
    this.stepStart = this.calls.length;
  }

  sinceStep(): ApiCall[] {
    return this.calls.slice(this.stepStart);
  }

  /** Did the step make this call and get a 2xx? */
  succeeded(method: string, path: string): boolean {
    return this.sinceStep().some((call) => call.method === method && call.path === path && call.status < 300);
  }

  /** The step's calls, one a line, for a failure message. */
  report(): string {
    const lines = this.sinceStep().map((call) => `  ${call.method} ${call.path} -> ${call.status}`);
    const errors = this.pageErrors.map((message) => `  page error: ${message}`);
    return [`API calls of this step:`, ...lines, ...errors].join('\n');
  }
}
