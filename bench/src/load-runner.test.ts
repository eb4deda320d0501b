import { describe, expect, it } from 'vitest';
import { runLoad, runOpenLoop } from './load-runner.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('runLoad', () => {
  it('stops at the request budget and counts every request once', async () => {
    const seen: number[] = [];
    const result = await runLoad({
      concurrency: 4,
      durationMs: 10_000,
      maxRequests: 50,
      operation: async (_worker, sequence) => {
        seen.push(sequence);
        await sleep(1);
      },
    });
    expect(result.requests).toBe(50);
    expect(result.errors).toBe(0);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(result.elapsedMs).toBeLessThan(5_000);
  });

  it('stops when the time is spent, however large the request budget', async () => {
    const started = performance.now();
    const result = await runLoad({
      concurrency: 2,
      durationMs: 200,
      maxRequests: 1_000_000,
      operation: () => sleep(5),
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.requests).toBeGreaterThan(10);
    expect(result.throughput).toBeGreaterThan(50);
    expect(result.p50Ms).toBeGreaterThanOrEqual(4);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it('counts failures and requests that never answer as errors, with samples', async () => {
    const result = await runLoad({
      concurrency: 2,
      durationMs: 5_000,
      maxRequests: 6,
      requestTimeoutMs: 50,
      operation: (_worker, sequence) => {
        if (sequence % 3 === 0) return Promise.reject(new Error('refused'));
        if (sequence % 3 === 1) return new Promise<void>(() => {});
        return Promise.resolve();
      },
    });
    expect(result).toMatchObject({ requests: 2, errors: 4 });
    expect(result.errorSamples).toEqual(
      expect.arrayContaining(['Error: refused', 'RequestTimeoutError: no answer within 50 ms']),
    );
  });

  it('refuses a concurrency below one', async () => {
    await expect(
      runLoad({ concurrency: 0, durationMs: 10, maxRequests: 1, operation: async () => {} }),
    ).rejects.toThrow(RangeError);
  });
});

describe('runOpenLoop', () => {
  it('sends on its schedule while earlier requests are still waiting for their answers', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await runOpenLoop({
      ratePerSecond: 200,
      durationMs: 250,
      maxRequests: 1_000,
      operation: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(100);
        inFlight--;
      },
    });
    // A closed loop of one worker would have sent 3 in that time.
    expect(result.sent).toBe(50);
    expect(result.requests).toBe(50);
    expect(maxInFlight).toBeGreaterThan(10);
    expect(result.p50Ms).toBeGreaterThanOrEqual(99);
    expect(result.elapsedMs).toBeLessThan(3_000);
  });

  it('counts latency from the scheduled time, so a sender held up by the event loop shows it', async () => {
    let blocked = false;
    const result = await runOpenLoop({
      ratePerSecond: 1_000,
      durationMs: 100,
      maxRequests: 100,
      operation: async () => {
        if (!blocked) {
          blocked = true;
          const until = performance.now() + 40;
          while (performance.now() < until) {
            // Busy: the requests due meanwhile go out late.
          }
        }
      },
    });
    expect(result.requests).toBe(100);
    expect(result.maxSendLagMs).toBeGreaterThanOrEqual(30);
    expect(result.p99Ms).toBeGreaterThanOrEqual(30);
  });

  it('stops at the request budget and reports failures', async () => {
    const result = await runOpenLoop({
      ratePerSecond: 1_000,
      durationMs: 10_000,
      maxRequests: 20,
      operation: async (sequence) => {
        if (sequence % 2 === 0) throw new Error('refused');
      },
    });
    expect(result.sent).toBe(20);
    expect(result.errors).toBe(10);
    expect(result.errorSamples).toEqual(['Error: refused']);
  });
});
