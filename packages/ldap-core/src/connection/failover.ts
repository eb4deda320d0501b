import {
  type DirectoryError,
  DirectoryMisconfiguredError,
  DirectoryUnavailableError,
  isDirectoryError,
} from '../errors/errors.ts';
import type { DirectoryLogger } from '../logger.ts';

/**
 * Trying the URLs of an entry in order. A URL that just failed is tried last for a while
 * (`cooldownMs`), so a dead primary costs one timeout, not one per new connection; once the
 * cooldown is over it is preferred again, which is how recovery happens without a restart.
 */
export class UrlFailover {
  readonly urls: readonly string[];
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly downUntil = new Map<string, number>();

  constructor(urls: readonly string[], options: { cooldownMs?: number; now?: () => number } = {}) {
    this.urls = urls;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The URLs in the order to try now: healthy ones as configured, then those cooling down. */
  order(): string[] {
    const now = this.now();
    const healthy = this.urls.filter((url) => (this.downUntil.get(url) ?? 0) <= now);
    const coolingDown = this.urls.filter((url) => (this.downUntil.get(url) ?? 0) > now);
    return [...healthy, ...coolingDown];
  }

  markDown(url: string): void {
    this.downUntil.set(url, this.now() + this.cooldownMs);
  }

  markUp(url: string): void {
    this.downUntil.delete(url);
  }
}

/** Failures that every other URL of the entry would repeat: trying further URLs only delays the answer. */
function failsEverywhere(error: DirectoryError): boolean {
  return (
    error instanceof DirectoryMisconfiguredError &&
    ['service-bind-refused', 'ca-file-unreadable'].includes(error.reason)
  );
}

/**
 * Runs `open` against the entry's URLs in failover order until one succeeds.
 * When every URL fails, a single failure is rethrown as it is; several become one
 * `DirectoryUnavailableError` listing each URL's reason, unless one of them was a
 * misconfiguration (a certificate refused, say), which is then what the administrator must fix.
 */
export async function connectWithFailover<T>(
  failover: UrlFailover,
  open: (url: string) => Promise<T>,
  context: { domain: string; logger: DirectoryLogger },
): Promise<{ connection: T; url: string }> {
  const failures: { url: string; error: DirectoryError }[] = [];
  for (const url of failover.order()) {
    try {
      const connection = await open(url);
      failover.markUp(url);
      if (failures.length > 0) {
        context.logger.warn('directory URL failed, using the next one', {
          domain: context.domain,
          failed: failures.map((failure) => `${failure.url} (${failure.error.reason})`),
          url,
        });
      }
      return { connection, url };
    } catch (caught) {
      if (!isDirectoryError(caught)) throw caught;
      failures.push({ url, error: caught });
      if (failsEverywhere(caught)) throw caught;
      failover.markDown(url);
    }
  }

  if (failures.length === 1) throw failures[0]!.error;
  const misconfigured = failures.find((failure) => failure.error instanceof DirectoryMisconfiguredError);
  if (misconfigured) throw misconfigured.error;
  throw new DirectoryUnavailableError('unreachable', {
    domain: context.domain,
    detail: `every URL failed: ${failures.map((failure) => failure.error.message).join('; ')}`,
  });
}
