/**
 * Keeps every log line a test produced (the server's own pino logger, or a server process's output)
 * so that the suite can prove that no password, key or token ever reached a log.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../logger.ts';

export class LogCapture {
  readonly lines: string[] = [];

  /** The server's production logger (with its redaction), writing here; `debug` shows everything. */
  logger(level: 'debug' | 'info' = 'debug'): Logger {
    return createLogger(level, { write: (line: string) => this.push(line) });
  }

  /** Adds raw output (a chunk of a process's stdout or stderr). */
  push(text: string): void {
    for (const line of text.split('\n')) if (line.trim() !== '') this.lines.push(line);
  }

  get text(): string {
    return this.lines.join('\n');
  }
}

export interface SecretFinding {
  /** What kind of secret (for the failure message; the secret itself is never printed). */
  label: string;
  line: number;
}

/**
 * Every log line that contains one of the secrets, in any of the spellings a careless log call
 * would produce (as is, JSON-escaped, upper-case hex). Secrets shorter than 6 characters are
 * refused: they would match by accident.
 */
export function findSecrets(lines: readonly string[], secrets: ReadonlyMap<string, string>): SecretFinding[] {
  const needles: { label: string; needle: string }[] = [];
  for (const [secret, label] of secrets) {
    if (secret.length < 6) throw new RangeError(`secret "${label}" is too short to search for`);
    const spellings = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
    if (/^[0-9a-f]+$/.test(secret)) spellings.add(secret.toUpperCase());
    for (const needle of spellings) needles.push({ label, needle });
  }
  const findings: SecretFinding[] = [];
  lines.forEach((line, index) => {
    for (const { label, needle } of needles) {
      if (line.includes(needle)) findings.push({ label, line: index });
    }
  });
  return findings;
}

/** Collects the secrets a test handled, each with a label for the report. */
export class SecretRegistry {
  readonly secrets = new Map<string, string>();

  add(label: string, ...values: (string | undefined | null)[]): void {
    for (const value of values) if (value && value.length >= 6) this.secrets.set(value, label);
  }
}
