/**
 * The frame every official-client test file shares: the stack started once for the file (or the
 * reason this machine cannot run it), its screenshot folder emptied, and steps that run in order,
 * where a step after a failed one fails at once, naming it. Under CI nothing is skipped: a stack
 * that did not start fails every test with its error.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsInput } from '@ldap-login/config-schema';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, type TestContext } from 'vitest';
import { ApiRecorder } from './api-recorder.ts';
import { OUTPUT_DIR } from './environment.ts';
import {
  type OfficialClientStack,
  type OfficialClientStackOptions,
  startOfficialClientStack,
} from './official-client-stack.ts';

export interface OfficialClientSuiteOptions {
  /** Named in the warning when this machine cannot run the test. */
  name: string;
  /** The file's screenshot folder below the test output, emptied at start. */
  shots: string;
  settings?: Partial<SettingsInput>;
  stack?: OfficialClientStackOptions;
  /** Browser contexts and the like, once the stack is up; an error here fails every test. */
  setUp?: (stack: OfficialClientStack) => Promise<void>;
  /** Runs before the stack closes. */
  tearDown?: () => Promise<void>;
  /** How long the start and `setUp` may take together. */
  startTimeoutMs?: number;
}

export interface OfficialClientSuite {
  /** The stack: throws why it did not start; skips the test on a machine that cannot run it. */
  started(skip: TestContext['skip']): OfficialClientStack;
  /**
   * The stack for a test that may run: throws why the stack did not start or which earlier step
   * failed; skips the test on a machine that cannot run it.
   */
  enter(skip: TestContext['skip']): OfficialClientStack;
  /** Marks a step failed: every later step fails at once, naming it. */
  fail(step: string): void;
}

/** Registers the file's start and stop hooks (call it in the file's `describe`). */
export function useOfficialClientSuite(options: OfficialClientSuiteOptions): OfficialClientSuite {
  let stack: OfficialClientStack | undefined;
  let startError: unknown;
  let failedStep: string | undefined;
  beforeAll(async () => {
    try {
      const started = await startOfficialClientStack(options.settings, options.stack);
      if ('skip' in started) {
        console.warn(`\n!! SKIPPING ${options.name}: ${started.skip}\n`);
        return;
      }
      stack = started;
      rmSync(join(OUTPUT_DIR, options.shots), { recursive: true, force: true });
      await options.setUp?.(stack);
    } catch (error) {
      // Reported by every test, so that they count as failed rather than skipped.
      startError = error;
    }
  }, options.startTimeoutMs ?? 120_000);

  afterAll(async () => {
    await options.tearDown?.();
    await stack?.close();
  });

  const started = (skip: TestContext['skip']): OfficialClientStack => {
    if (startError) throw startError;
    if (!stack) return skip();
    return stack;
  };
  return {
    started,
    enter(skip) {
      const running = started(skip);
      if (failedStep) throw new Error(`not run: the earlier step "${failedStep}" failed`);
      return running;
    },
    fail(step) {
      failedStep = step;
    },
  };
}

/** The server's log lines at level warn and above (pino: 40+), for a failure message. */
export function serverWarnings(lines: readonly string[]): string {
  const worrying = lines.filter((line) => Number(/"level":(\d+)/.exec(line)?.[1] ?? 0) >= 40);
  return ['Server log (warn and above) during this step:', ...worrying.map((line) => `  ${line}`)].join('\n');
}

/** A new browser profile with one page whose API calls are recorded, at the tests' window size. */
export async function recordedPage(
  stack: OfficialClientStack,
): Promise<{ context: BrowserContext; page: Page; api: ApiRecorder }> {
  const context = await stack.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  return { context, page, api: new ApiRecorder(page, `${stack.server.url}/server`) };
}
