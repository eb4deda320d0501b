/**
 * Figures of the reliability suite. Every test file records what it measured under its own name
 * in a directory shared by the whole test run; at the end of each file the file's own table is
 * printed, followed by the suite's summary over every file that has finished so far. The file
 * that finishes last therefore prints the complete summary.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The test files of the suite; the summary says how many of them have reported. */
export const SUITE_FILES = [
  'faults',
  'fuzzing',
  'brute-force',
  'enumeration',
  'sessions',
  'crash',
  'replicas',
  'http-hardening',
] as const;

export type SuiteFile = (typeof SUITE_FILES)[number];

/** Figures that the summary adds up over the files; anything else is printed per file only. */
export interface SummaryFigures {
  /** Requests or operations tried with generated or hostile input. */
  cases?: number;
  /** Injected faults (directory down, frozen, cut, database unwritable, kill -9) the service survived. */
  faultsSurvived?: number;
  lockouts?: number;
  /** Difference of the median answer times of unknown-user and wrong-password logins. */
  timingDifferenceMs?: number;
  /** Acknowledged accounts or sessions missing afterwards. */
  lostRecords?: number;
}

export type Figures = SummaryFigures & Record<string, number | string | boolean | undefined>;

/**
 * One directory per test run: vitest's workers share their parent process, whose id and start
 * time (from /proc, where available) tell this run apart from earlier ones.
 */
function runDirectory(): string {
  let started = '';
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    // Not Linux: the parent's id alone.
  }
  const directory = join(tmpdir(), `ldap-login-reliability-${process.ppid}-${started}`);
  mkdirSync(directory, { recursive: true });
  return directory;
}

export class FigureBook {
  private readonly figures: Figures = {};

  constructor(readonly file: SuiteFile) {}

  /** Sets a figure (the last value wins). */
  set(name: string, value: number | string | boolean): void {
    this.figures[name] = value;
  }

  /** Adds to a numeric figure. */
  add(name: keyof SummaryFigures | string, amount: number): void {
    const current = this.figures[name];
    this.figures[name] = (typeof current === 'number' ? current : 0) + amount;
  }

  get(name: string): Figures[string] {
    return this.figures[name];
  }

  /** Writes this file's figures to the run's directory and prints them and the suite's summary. */
  publish(): void {
    const directory = runDirectory();
    writeFileSync(join(directory, `${this.file}.json`), JSON.stringify(this.figures));
    const rows = Object.entries(this.figures).map(([name, value]) => `  ${name.padEnd(40)} ${String(value)}`);
    const { text, complete } = suiteSummary(directory);
    console.log(`\n== reliability: ${this.file} ==\n${rows.join('\n')}\n${text}`);
    // The last file to finish printed the whole summary: nothing left to collect.
    if (complete) rmSync(directory, { recursive: true, force: true });
  }
}

function suiteSummary(directory: string): { text: string; complete: boolean } {
  const reported = new Map<string, Figures>();
  for (const name of readdirSync(directory)) {
    if (!name.endsWith('.json')) continue;
    reported.set(name.slice(0, -'.json'.length), JSON.parse(readFileSync(join(directory, name), 'utf8')));
  }
  const sum = (key: keyof SummaryFigures) =>
    [...reported.values()].reduce((total, figures) => total + (Number(figures[key]) || 0), 0);
  const timing = [...reported.values()]
    .map((figures) => figures.timingDifferenceMs)
    .filter((value): value is number => typeof value === 'number');
  const missing = SUITE_FILES.filter((file) => !reported.has(file));
  const text = [
    `== reliability suite summary (${reported.size} of ${SUITE_FILES.length} files${
      missing.length > 0 ? `; not yet: ${missing.join(', ')}` : ''
    }) ==`,
    `  cases tried                              ${sum('cases')}`,
    `  faults survived                          ${sum('faultsSurvived')}`,
    `  lockouts                                 ${sum('lockouts')}`,
    `  timing difference (ms, median)           ${timing.length > 0 ? timing.map((value) => value.toFixed(3)).join(', ') : 'n/a'}`,
    `  lost records                             ${sum('lostRecords')}`,
  ].join('\n');
  return { text, complete: missing.length === 0 };
}
