/**
 * The directories' health, probed in the background. `/healthcheck/` answers from the last probe
 * that finished, so it never waits for a directory: a frozen one costs its probe the connect and
 * operation timeouts, while orchestrators give the health check a few seconds at most. The probe
 * binds to every URL, so it also must not run once per request: a public endpoint would otherwise
 * flood the directories.
 */
import type { Logger } from 'pino';
import type { DirectoryServerHealth, LoginDirectory } from '../accounts/directory-port.ts';

/** Time between the start of one background probe and the next (probes never overlap). */
export const DIRECTORY_PROBE_INTERVAL_MS = 10_000;

/** How long a health check waits for the very first probe before answering without it. */
export const FIRST_PROBE_WAIT_MS = 500;

export interface DirectoryHealthSnapshot {
  servers: DirectoryServerHealth[];
  /** When the probe finished (epoch milliseconds). */
  probedAt: number;
}

export interface DirectoryHealthMonitorOptions {
  intervalMs?: number;
  now?: () => number;
}

export class DirectoryHealthMonitor {
  private latest: DirectoryHealthSnapshot | undefined;
  private running: Promise<void> | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  /** URLs found down by the last probe, to log changes instead of every probe. */
  private down = new Set<string>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly directory: Pick<LoginDirectory, 'health'>,
    private readonly logger: Logger,
    options: DirectoryHealthMonitorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DIRECTORY_PROBE_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Probes every `intervalMs` from now on (the first probe at once) until `stop()`. */
  start(): void {
    if (this.timer) return;
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Probes every directory URL, unless a probe is running already (then that one is returned). */
  probe(): Promise<void> {
    if (this.running) return this.running;
    this.lastStart = performance.now();
    this.running = this.directory
      .health()
      .then(
        (servers) => this.record(servers),
        (error: unknown) => {
          this.logger.error({ err: error }, 'health check: directory probe failed');
          this.record([]);
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * The last finished probe. Without `start()` (an app used in-process), a call finding the last
   * probe older than the interval starts one in the background. Before any probe has finished,
   * waits for the first one up to `FIRST_PROBE_WAIT_MS`; undefined when it is not done by then.
   */
  async current(): Promise<DirectoryHealthSnapshot | undefined> {
    if (!this.timer && performance.now() - this.lastStart >= this.intervalMs) void this.probe();
    if (this.latest !== undefined || this.running === undefined) return this.latest;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise((resolve) => {
        timer = setTimeout(resolve, FIRST_PROBE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    return this.latest;
  }

  private record(servers: DirectoryServerHealth[]): void {
    this.latest = { servers, probedAt: this.now() };
    const down = new Set<string>();
    for (const server of servers) {
      const key = `${server.domain} ${server.url}`;
      if (server.up) {
        if (this.down.has(key))
          this.logger.info({ domain: server.domain, url: server.url }, 'directory up again');
        continue;
      }
      down.add(key);
      if (!this.down.has(key)) {
        this.logger.warn({ domain: server.domain, url: server.url, error: server.error }, 'directory down');
      }
    }
    this.down = down;
  }
}
