/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  plugins: [solid()],
  // Relative asset paths: the combined server serves this build at `/`, others may mount it deeper.
  base: './',
  test: {
    environment: 'happy-dom',
    // The browser tests start the combined server from its source: `@ldap-login/server` declares no
    // package `exports` yet, and this way the tests never run against a stale build of it.
    alias: { '@ldap-login/server': new URL('../server/src/index.ts', import.meta.url).pathname },
  },
});
