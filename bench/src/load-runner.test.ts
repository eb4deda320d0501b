import { describe, expect, it } from 'vitest';
import { lastTwoWindows, runLoad, runOpenLoop, warmUntilSteady } from './load-runner.ts';

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

describe('warmUntilSteady', () => {
  const step = (cpuMs: number, requests = 100) => ({ cpuMs, requests });

  it('compares the last window with the one before it, each the CPU over the requests of its steps', () => {
    expect(lastTwoWindows([step(100), step(100), step(100)], 2, 0.05)).toBeNull();
    // 2.0 then 1.0 ms per request: halved, not steady.
    expect(lastTwoWindows([step(200), step(200), step(100), step(100)], 2, 0.05)).toEqual({
      previous: 2,
      last: 1,
      agree: false,
    });
    // 1.04 against 1.0: within 5% of the lower.
    expect(lastTwoWindows([step(500), step(104), step(104), step(100), step(100)], 2, 0.05)?.agree).toBe(
      true,
    );
    // A window without requests never agrees.
    expect(lastTwoWindows([step(0, 0), step(0, 0)], 1, 0.05)?.agree).toBe(false);
  });

  it('warms until the CPU per request stops falling, and reports the first and last windows', async () => {
    // A process whose CPU per request falls from 4 ms to 1 ms over its first 300 requests.
    let cpuMs = 0;
    let done = 0;
    const result = await warmUntilSteady({
      concurrency: 2,
      operation: async () => {
        cpuMs += Math.max(1, 4 - done / 100);
        done++;
        await sleep(1);
      },
      answering: { cpuMs: () => cpuMs },
      windowMs: 80,
      tolerance: 0.05,
      minMs: 0,
      maxMs: 10_000,
    });
    expect(result.steady).toBe(true);
    expect(result.requests).toBe(done);
    expect(result.requests).toBeGreaterThan(300);
    expect(result.lastCpuMsPerRequest).toBe(1);
    expect(result.firstCpuMsPerRequest).toBeGreaterThan(1.5);
  });

  it('keeps warming for the minimum number of requests even when two windows agree', async () => {
    let cpuMs = 0;
    const result = await warmUntilSteady({
      concurrency: 1,
      operation: async () => {
        cpuMs += 1;
        await sleep(1);
      },
      answering: { cpuMs: () => cpuMs },
      windowMs: 40,
      tolerance: 0.05,
      minMs: 0,
      minRequests: 150,
      maxMs: 10_000,
    });
    expect(result.steady).toBe(true);
    expect(result.requests).toBeGreaterThanOrEqual(150);
  });

  it('stops at its time bound when the CPU per request never settles', async () => {
    let cpuMs = 0;
    let done = 0;
    const started = performance.now();
    const result = await warmUntilSteady({
      concurrency: 1,
      // Each request costs more than the one before, so no two windows agree however many
      // requests a slow machine fits into each (alternating runs of costs could fall into two
      // windows alike when each holds only a few requests).
      operation: async () => {
        cpuMs += 1 + done;
        done++;
        await sleep(1);
      },
      answering: { cpuMs: () => cpuMs },
      windowMs: 40,
      tolerance: 0,
      minMs: 0,
      maxMs: 300,
    });
    expect(result.steady).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(290);
  });
});
