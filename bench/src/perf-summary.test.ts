import { describe, expect, it } from 'vitest';
import { parsePerfScript, summarise } from './perf-summary.ts';

const SCRIPT = `node  101
\t  e31b59 pwrite64 ([kernel.kallsyms])
\t  a1 sqlite3PagerCommitPhaseOne (/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node)
\t  7f JS:*handleLogin file:///app/apps/server/dist/routes/login.js:52:34 (/tmp/perf-101.map)

node  101
\t  b1 v8::internal::JsonParser<unsigned char>::ParseJson (/usr/bin/node)
\t  7f JS:*checkValidator file:///app/apps/server/dist/http/session-auth.js:40:24 (/tmp/perf-101.map)

node  101
\t  c1 finish_task_switch ([kernel.kallsyms])
\t  c2 schedule ([kernel.kallsyms])
`;

describe('perf-summary', () => {
  it('charges each sample to its innermost known piece, kernel work to the code that asked for it', () => {
    const samples = parsePerfScript(SCRIPT);
    expect(samples).toHaveLength(3);
    expect(summarise(samples)).toEqual([
      { piece: 'database: SQLite, better-sqlite3, kysely, account/session/throttle code', share: 1 / 3 },
      { piece: 'JSON (V8)', share: 1 / 3 },
      { piece: 'other: kernel (scheduler, epoll, ...)', share: 1 / 3 },
    ]);
  });
});
