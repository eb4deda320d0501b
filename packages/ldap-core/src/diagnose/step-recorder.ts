import type { DiagnoseStatus, DiagnoseStep, DiagnoseStepId } from './types.ts';

/** What a step reports; the recorder adds its id, title and duration. */
export interface StepOutcome {
  status: DiagnoseStatus;
  message: string;
  hint?: string;
  setting?: string;
  suggestion?: string;
}

export const success = (
  message: string,
  extra: Omit<StepOutcome, 'status' | 'message'> = {},
): StepOutcome => ({
  status: 'success',
  message,
  ...extra,
});

export const failed = (
  message: string,
  extra: Omit<StepOutcome, 'status' | 'message'> = {},
): StepOutcome => ({
  status: 'error',
  message,
  ...extra,
});

export const skipped = (
  message: string,
  extra: Omit<StepOutcome, 'status' | 'message'> = {},
): StepOutcome => ({
  status: 'skipped',
  message,
  ...extra,
});

/**
 * Runs steps one after the other, timing each, and remembers whether one failed. An exception
 * thrown by a step is a diagnosis too: it becomes that step's error, never a crash of the run.
 */
export class StepRecorder {
  readonly steps: DiagnoseStep[] = [];
  #failed = false;

  constructor(private readonly signal?: AbortSignal) {}

  get failed(): boolean {
    return this.#failed;
  }

  /** Runs `work` as step `id` and returns its outcome; records nothing after the first error. */
  async run(
    id: DiagnoseStepId,
    title: string,
    work: () => Promise<StepOutcome> | StepOutcome,
  ): Promise<StepOutcome> {
    const started = performance.now();
    let outcome: StepOutcome;
    try {
      this.signal?.throwIfAborted();
      outcome = await work();
    } catch (error) {
      outcome = failed(`unexpected failure: ${describeUnexpected(error)}`);
    }
    this.record(id, title, outcome, performance.now() - started);
    return outcome;
  }

  /** Records an outcome decided without work (for example by the caller). */
  record(id: DiagnoseStepId, title: string, outcome: StepOutcome, durationMs = 0): void {
    if (outcome.status === 'error') this.#failed = true;
    this.steps.push({
      id,
      title,
      status: outcome.status,
      message: outcome.message,
      ...(outcome.hint === undefined ? {} : { hint: outcome.hint }),
      ...(outcome.setting === undefined ? {} : { setting: outcome.setting }),
      ...(outcome.suggestion === undefined ? {} : { suggestion: outcome.suggestion }),
      durationMs: Math.round(durationMs * 10) / 10,
    });
  }
}

function describeUnexpected(error: unknown): string {
  if (error instanceof Error)
    return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}
