/**
 * Whether the server still takes new work. A stopping server turns `draining` on first: the
 * readiness probe answers 503 (a load balancer stops sending requests), while the requests already
 * in flight finish (see `server.ts`, `close()`).
 */
export class ServerLifecycle {
  private drainingSince: number | undefined;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
