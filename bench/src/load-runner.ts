/**
 * A closed-loop load generator: `concurrency` workers each issue one request, wait for it, issue the
 * next. Every loop is bounded twice, by a request count and by time, and every single request by a
 * timeout, so a stuck server ends a cell with errors instead of hanging the benchmark.
 */
import { createHistogram } from 'node:perf_hooks';

export interface LoadOptions {
  concurrency: number;
  /** No request starts after this many milliseconds. */
  durationMs: number;
  /** No request starts after this many have started. */
  maxRequests: number;
  /** One request fails after this long, whether or not it ever answers. */
  requestTimeoutMs?: number;
  /** No request starts once this is aborted (the benchmark was interrupted). */
  signal?: AbortSignal;
  /** One request; `worker` is 0..concurrency-1 and `sequence` counts up across all workers. */
  operation: (worker: number, sequence: number) => Promise<void>;
}

export interface LoadResult {
  concurrency: number;
  /** Successful requests. */
  requests: number;
  errors: number;
  elapsedMs: number;
  /** Successful requests per second. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** The first few distinct error messages, for the log. */
  errorSamples: string[];
}

/** The operation took longer than `requestTimeoutMs`. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const MAX_ERROR_SAMPLES = 5;

function withTimeout(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `concurrency` workers until the time or the request budget is spent, and reports. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency, operation } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number >= 1, not ${concurrency}`);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Node's built-in HDR histogram: exact enough (3 significant digits) and constant memory.
  const histogram = createHistogram();
  let requests = 0;
  let errors = 0;
  let issued = 0;
  const errorSamples = new Set<string>();
  const started = performance.now();
  const deadline = started + options.durationMs;

  const worker = async (index: number) => {
    while (issued < options.maxRequests && performance.now() < deadline && !options.signal?.aborted) {
      const sequence = issued++;
      const begin = performance.now();
      try {
        await withTimeout(operation(index, sequence), requestTimeoutMs);
        requests++;
        histogram.record(Math.max(1, Math.round((performance.now() - begin) * 1e6)));
      } catch (error) {
        errors++;
        if (errorSamples.size < MAX_ERROR_SAMPLES) errorSamples.add(describeError(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  const elapsedMs = performance.now() - started;

  const nsToMs = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    concurrency,
    requests,
    errors,
    elapsedMs: Math.round(elapsedMs),
    throughput: elapsedMs > 0 ? Math.round((requests / elapsedMs) * 1000) : 0,
    p50Ms: requests > 0 ? nsToMs(histogram.percentile(50)) : 0,
    p99Ms: requests > 0 ? nsToMs(histogram.percentile(99)) : 0,
    errorSamples: [...errorSamples],
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}

export interface MeasuredLoad {
  result: LoadResult;
  /** CPU milliseconds per successful request of the answering process (null without one). */
  serverCpuMsPerRequest: number | null;
  /** The same for this process, the load generator. */
  clientCpuMsPerRequest: number;
}

const MAX_REQUESTS_PER_MEASUREMENT = 1_000_000;

/**
 * One measurement: `warmupMs` of unmeasured load (pools, JIT), then `durationMs` measured, with the
 * CPU per request of the process that answers (`answering.cpuMs()`) and of this one.
 */
export async function measureLoad(options: {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  operation: LoadOptions['operation'];
  answering?: { cpuMs(): number };
  signal?: AbortSignal;
}): Promise<MeasuredLoad> {
  const load = (durationMs: number) =>
    runLoad({
      concurrency: options.concurrency,
      durationMs,
      maxRequests: MAX_REQUESTS_PER_MEASUREMENT,
      operation: options.operation,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  if (options.warmupMs > 0) await load(options.warmupMs);
  const serverCpuBefore = options.answering?.cpuMs();
  const clientCpuBefore = process.cpuUsage();
  const result = await load(options.durationMs);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuMs =
    options.answering && serverCpuBefore !== undefined
      ? options.answering.cpuMs() - serverCpuBefore
      : undefined;
  const perRequest = (ms: number) =>
    result.requests > 0 ? Math.round((ms / result.requests) * 1000) / 1000 : 0;
  return {
    result,
    serverCpuMsPerRequest: serverCpuMs === undefined ? null : perRequest(serverCpuMs),
    clientCpuMsPerRequest: perRequest((clientCpu.user + clientCpu.system) / 1000),
  };
}

export interface OpenLoopOptions {
  /** Requests per second, sent on a fixed schedule whatever the answers do. */
  ratePerSecond: number;
  /** No request is scheduled after this many milliseconds. */
  durationMs: number;
  /** No more than this many requests in all. */
  maxRequests: number;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  operation: (sequence: number) => Promise<void>;
}

export interface OpenLoopResult {
  ratePerSecond: number;
  /** Requests sent (answered, failed or timed out). */
  sent: number;
  requests: number;
  errors: number;
  elapsedMs: number;
  /** Latency from each request's scheduled send time, so that a late sender counts against the server. */
  p50Ms: number;
  p99Ms: number;
  /** How far behind its schedule the sender ever was (the load generator's own lag). */
  maxSendLagMs: number;
  /** p99 of each login's send lag (scheduled time to the call that sends it). */
  sendLagP99Ms: number;
  /** p99 latency from each login's actual send (without the sender's lag). */
  serviceP99Ms: number;
  /** Each answered request: its sequence, send lag and latency from its scheduled time, in ms. */
  answered: { sequence: number; lagMs: number; latencyMs: number }[];
  errorSamples: string[];
}

/**
 * An open-loop load: request `i` is due at `start + i / rate` and is sent then, whether or not the
 * earlier ones have answered, so that a slow answer does not slow the sender (a closed loop would
 * wait, and hide the queueing). Its latency counts from the time it was due, not from when the event
 * loop got round to sending it. Bounded by count, by time and by a timeout per request.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  if (!(options.ratePerSecond > 0))
    throw new RangeError(`rate must be above 0, not ${options.ratePerSecond}`);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.min(options.maxRequests, Math.floor(options.durationMs / intervalMs));
  const histogram = createHistogram();
  const lagHistogram = createHistogram();
  const serviceHistogram = createHistogram();
  const errorSamples = new Set<string>();
  let requests = 0;
  let errors = 0;
  let sent = 0;
  let maxSendLagMs = 0;
  const answeredRequests: OpenLoopResult['answered'] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  while (sent < total && !options.signal?.aborted) {
    const due = started + sent * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // Everything already due goes out now, each with its own scheduled time.
    const now = performance.now();
    while (sent < total && started + sent * intervalMs <= now) {
      const scheduled = started + sent * intervalMs;
      const sentAt = performance.now();
      maxSendLagMs = Math.max(maxSendLagMs, sentAt - scheduled);
      lagHistogram.record(Math.max(1, Math.round((sentAt - scheduled) * 1e6)));
      const sequence = sent++;
      pending.push(
        withTimeout(options.operation(sequence), requestTimeoutMs).then(
          () => {
            requests++;
            const answered = performance.now();
            histogram.record(Math.max(1, Math.round((answered - scheduled) * 1e6)));
            serviceHistogram.record(Math.max(1, Math.round((answered - sentAt) * 1e6)));
            answeredRequests.push({ sequence, lagMs: sentAt - scheduled, latencyMs: answered - scheduled });
          },
          (error: unknown) => {
            errors++;
            if (errorSamples.size < MAX_ERROR_SAMPLES) errorSamples.add(describeError(error));
          },
        ),
      );
    }
  }
  await Promise.all(pending);
  const nsToMs = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    ratePerSecond: options.ratePerSecond,
    sent,
    requests,
    errors,
    elapsedMs: Math.round(performance.now() - started),
    p50Ms: requests > 0 ? nsToMs(histogram.percentile(50)) : 0,
    p99Ms: requests > 0 ? nsToMs(histogram.percentile(99)) : 0,
    maxSendLagMs: Math.round(maxSendLagMs * 100) / 100,
    sendLagP99Ms: sent > 0 ? nsToMs(lagHistogram.percentile(99)) : 0,
    serviceP99Ms: requests > 0 ? nsToMs(serviceHistogram.percentile(99)) : 0,
    answered: answeredRequests,
    errorSamples: [...errorSamples],
  };
}

export interface SteadyWarmupOptions {
  concurrency: number;
  operation: LoadOptions['operation'];
  /** The process whose CPU per request must settle; without one, this process (the load generator). */
  answering?: { cpuMs(): number };
  /**
   * The compared window: the CPU per request of the last `windowMs` of load against that of the
   * `windowMs` before it, measured in steps of a quarter window (so the comparison slides).
   */
  windowMs: number;
  /** Steady when the two windows differ by at most this fraction of the lower one. */
  tolerance: number;
  /** Warm at least this long (and at least two windows)... */
  minMs: number;
  /**
   * ... and for at least this many requests: V8 optimises after a number of calls, not of seconds,
   * so on a busy machine two windows of a still-cold process can agree.
   */
  minRequests?: number;
  /** And at most this long, steady or not. */
  maxMs: number;
  signal?: AbortSignal;
}

export interface SteadyWarmup {
  /** Wall time of the warm-up. */
  elapsedMs: number;
  /** Requests it made (successful ones). */
  requests: number;
  errors: number;
  /** CPU ms per request of each step (a quarter window), in order. */
  steps: number[];
  /** CPU ms per request of the first window and of the last one (0 when none completed). */
  firstCpuMsPerRequest: number;
  lastCpuMsPerRequest: number;
  /** Whether two consecutive windows agreed before `maxMs`. */
  steady: boolean;
}

/** Steps of load per compared window. */
export const STEPS_PER_WINDOW = 4;

/** CPU ms per request over some steps (each the CPU and the requests of one step). */
function perRequest(steps: readonly { cpuMs: number; requests: number }[]): number {
  const requests = steps.reduce((sum, step) => sum + step.requests, 0);
  const cpuMs = steps.reduce((sum, step) => sum + step.cpuMs, 0);
  return requests > 0 ? Math.round((cpuMs / requests) * 1000) / 1000 : 0;
}

/**
 * The CPU per request of the last window of `perWindow` steps and of the window before it, and
 * whether they agree within `tolerance` (a fraction of the lower); null before two windows.
 */
export function lastTwoWindows(
  steps: readonly { cpuMs: number; requests: number }[],
  perWindow: number,
  tolerance: number,
): { previous: number; last: number; agree: boolean } | null {
  if (steps.length < 2 * perWindow) return null;
  const last = perRequest(steps.slice(-perWindow));
  const previous = perRequest(steps.slice(-2 * perWindow, -perWindow));
  const low = Math.min(last, previous);
  return { previous, last, agree: low > 0 && Math.abs(last - previous) <= tolerance * low };
}

/**
 * Warms a target until its answering process is in steady state: closed-loop load (`concurrency`
 * workers) in steps of a quarter of `windowMs`, with the answering process's CPU per request of
 * each, until the last window and the one before it agree within `tolerance` (after `minMs`), or
 * `maxMs` has passed. V8 optimises a function only after many calls and compiles it on background
 * threads of the same process, so a cold server costs more CPU per request, in a way that fades over
 * thousands of requests; a server runs for days, and its steady state is the figure of merit.
 */
export async function warmUntilSteady(options: SteadyWarmupOptions): Promise<SteadyWarmup> {
  const cpuNow = options.answering
    ? () => options.answering!.cpuMs()
    : () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      };
  const stepMs = Math.max(1, Math.round(options.windowMs / STEPS_PER_WINDOW));
  const steps: { cpuMs: number; requests: number }[] = [];
  let errors = 0;
  let steady = false;
  let firstWindow = 0;
  let requests = 0;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  while (elapsed() < options.maxMs && !options.signal?.aborted) {
    const cpuBefore = cpuNow();
    const result = await runLoad({
      concurrency: options.concurrency,
      durationMs: Math.min(stepMs, Math.max(1, options.maxMs - elapsed())),
      maxRequests: MAX_REQUESTS_PER_MEASUREMENT,
      operation: options.operation,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    steps.push({ cpuMs: cpuNow() - cpuBefore, requests: result.requests });
    requests += result.requests;
    errors += result.errors;
    if (steps.length === STEPS_PER_WINDOW) firstWindow = perRequest(steps);
    const windows = lastTwoWindows(steps, STEPS_PER_WINDOW, options.tolerance);
    if (windows?.agree && elapsed() >= options.minMs && requests >= (options.minRequests ?? 0)) {
      steady = true;
      break;
    }
  }
  return {
    elapsedMs: Math.round(elapsed()),
    requests,
    errors,
    steps: steps.map((step) => perRequest([step])),
    firstCpuMsPerRequest: firstWindow,
    lastCpuMsPerRequest: perRequest(steps.slice(-STEPS_PER_WINDOW)),
    steady,
  };
}
