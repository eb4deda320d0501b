/** Environment variables as a plain map; the loader receives it, it never reads the process itself. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Prefix of the environment variables that override settings (Psono's convention). */
const ENVIRONMENT_PREFIX = 'PSONO_';

/** Keys of `DATABASES.default` that `PSONO_DATABASES_DEFAULT_<KEY>` overrides, as in Psono. */
const DATABASE_KEYS = ['ENGINE', 'NAME', 'USER', 'PASSWORD', 'HOST', 'PORT'] as const;

/**
 * Psono reads an override's value as JSON when it parses as JSON and as the plain string
 * otherwise: `PSONO_LDAP='[{"LDAP_URL": ...}]'` is a list, `PSONO_SECRET_KEY=abc` a string.
 */
function parseEnvironmentValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

interface AppliedOverrides {
  /** The settings with every override applied (a new object; the input is not changed). */
  data: Record<string, unknown>;
  /** Top-level key -> the variable that set it (or set part of it). */
  sources: Map<string, string>;
}

/**
 * Applies `PSONO_<KEY>` variables for the given top-level keys, and Psono's
 * `PSONO_DATABASES_DEFAULT_<KEY>` for the keys of `DATABASES.default`.
 */
export function applyEnvironmentOverrides(
  data: Readonly<Record<string, unknown>>,
  env: Environment,
  keys: readonly string[],
): AppliedOverrides {
  const result: Record<string, unknown> = { ...data };
  const sources = new Map<string, string>();
  for (const key of keys) {
    const variable = `${ENVIRONMENT_PREFIX}${key}`;
    const raw = env[variable];
    if (raw === undefined) continue;
    result[key] = parseEnvironmentValue(raw);
    sources.set(key, variable);
  }
  const databases = result.DATABASES;
  if (isPlainObject(databases) && isPlainObject(databases.default)) {
    const database: Record<string, unknown> = { ...databases.default };
    let changed = false;
    for (const key of DATABASE_KEYS) {
      const variable = `${ENVIRONMENT_PREFIX}DATABASES_DEFAULT_${key}`;
      const raw = env[variable];
      if (raw === undefined) continue;
      // A database password or name made of digits must stay text, so only PORT is read as JSON.
      database[key] = key === 'PORT' ? parseEnvironmentValue(raw) : raw;
      changed = true;
      if (!sources.has('DATABASES')) sources.set('DATABASES', variable);
    }
    if (changed) result.DATABASES = { ...databases, default: database };
  }
  return { data: result, sources };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
