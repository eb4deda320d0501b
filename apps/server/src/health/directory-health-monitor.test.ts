import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { DirectoryServerHealth } from '../accounts/directory-port.ts';
import { DirectoryHealthMonitor, FIRST_PROBE_WAIT_MS } from './directory-health-monitor.ts';

const UP: DirectoryServerHealth = { domain: 'example.com', url: 'ldap://a', up: true, latencyMs: 1 };
const DOWN: DirectoryServerHealth = { ...UP, up: false, error: 'timeout' };

/** A health source whose probes finish when the test says so. */
class ControlledProbes {
  probes = 0;
  private pending: ((servers: DirectoryServerHealth[]) => void)[] = [];
  health = (): Promise<DirectoryServerHealth[]> => {
    this.probes++;
    return new Promise((resolve) => this.pending.push(resolve));
  };
  finish(servers: DirectoryServerHealth[]): void {
    for (const resolve of this.pending.splice(0)) resolve(servers);
  }
}

const silent = pino({ level: 'silent' });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DirectoryHealthMonitor', () => {
  it('answers from the last finished probe while the next one hangs', async () => {
    const probes = new ControlledProbes();
    const monitor = new DirectoryHealthMonitor(probes, silent, { intervalMs: 0 });
    const first = monitor.probe();
    probes.finish([UP]);
    await first;
    void monitor.probe(); // never finishes, like a probe of a frozen directory
    const started = performance.now();
    const snapshot = await monitor.current();
    // Its only wait is the first probe's, which costs FIRST_PROBE_WAIT_MS: anything well under that
    // did not wait, however slow a busy machine makes the call itself.
    expect(performance.now() - started).toBeLessThan(FIRST_PROBE_WAIT_MS - 50);
    expect(snapshot?.servers).toEqual([UP]);
    probes.finish([DOWN]);
    await tick();
    expect((await monitor.current())?.servers).toEqual([DOWN]);
  });

  it('never runs two probes at once', async () => {
    const probes = new ControlledProbes();
    const monitor = new DirectoryHealthMonitor(probes, silent, { intervalMs: 0 });
    const a = monitor.probe();
    const b = monitor.probe();
    await monitor.current();
    expect(probes.probes).toBe(1);
    probes.finish([UP]);
    await Promise.all([a, b]);
  });

  it('waits for the very first probe at most FIRST_PROBE_WAIT_MS, then answers without it', async () => {
    const probes = new ControlledProbes();
    const monitor = new DirectoryHealthMonitor(probes, silent);
    const started = performance.now();
    expect(await monitor.current()).toBeUndefined();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(FIRST_PROBE_WAIT_MS - 5);
    // At most: a second such wait would reach twice the time; below that is scheduling.
    expect(waited).toBeLessThan(2 * FIRST_PROBE_WAIT_MS);
    probes.finish([UP]);
    await tick();
    expect((await monitor.current())?.servers).toEqual([UP]);
    expect(probes.probes).toBe(1);
  });

  it('started, probes on its interval without any request, until stopped', async () => {
    let probes = 0;
    const monitor = new DirectoryHealthMonitor(
      {
        health: async () => {
          probes++;
          return [UP];
        },
      },
      silent,
      { intervalMs: 20 },
    );
    monitor.start();
    // Counted, not timed: a busy machine may fire the 20 ms timer far fewer times in a fixed window.
    const deadline = performance.now() + 5_000;
    while (probes < 3 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    monitor.stop();
    const counted = probes;
    expect(counted).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(probes).toBe(counted);
  });

  it('logs a directory going down and coming back once each, not on every probe', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let answer = [UP];
    const monitor = new DirectoryHealthMonitor({ health: async () => answer }, logger, { intervalMs: 0 });
    for (const servers of [[UP], [DOWN], [DOWN], [DOWN], [UP], [UP]]) {
      answer = servers;
      await monitor.probe();
    }
    expect(lines.map((line) => line.msg)).toEqual(['directory down', 'directory up again']);
  });

  it('reports no servers when the probe itself fails', async () => {
    const monitor = new DirectoryHealthMonitor(
      {
        health: async () => {
          throw new Error('bug');
        },
      },
      silent,
    );
    await monitor.probe();
    expect((await monitor.current())?.servers).toEqual([]);
  });
});
