/**
 * `npm run bench`: runs the benchmark, prints the table and writes the JSON result.
 * Exit codes: 0 done; 1 some request failed or the run broke; 2 a target missed (with --check);
 * 64 bad options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { runBench, stopRunningBench } from './bench.ts';
import { HELP, OptionError, parseCommandLine } from './options.ts';
import { checkTargets, formatReport } from './report.ts';

async function main(args: string[]): Promise<number> {
  let commandLine: ReturnType<typeof parseCommandLine>;
  try {
    commandLine = parseCommandLine(args);
  } catch (error) {
    const parseArgsError = String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    if (!(error instanceof OptionError) && !parseArgsError) throw error;
    console.error(`error: ${(error as Error).message}\n\n${HELP}`);
    return 64;
  }
  if (commandLine.help) {
    console.log(HELP);
    return 0;
  }
  const report = await runBench({ ...commandLine.bench, log: (line) => console.error(line) });
  const out = resolve(commandLine.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatReport(report)}\n\nwritten to ${out} in ${report.environment.duration_s} s`);

  const broken = report.runs.filter((run) => run.errors > 0 || run.throughput === 0);
  if (broken.length > 0) {
    console.error(`error: ${broken.length} cells had failed requests or none at all`);
    return 1;
  }
  if (commandLine.check && checkTargets(report).some((check) => !check.met)) return 2;
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the servers and the directory`);
    stopRunningBench().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
