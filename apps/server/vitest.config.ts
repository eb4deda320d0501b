import { defineConfig } from 'vitest/config';

// Integration tests start slapd and PostgreSQL and run scrypt; on a loaded CI machine a single test
// can take seconds, so the limits are generous (each test still bounds its own waits).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
