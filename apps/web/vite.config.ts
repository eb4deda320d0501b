/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  plugins: [solid()],
  base: './',
  resolve: { alias: { '@ldap-login/server': new URL('../server/src/index.ts', import.meta.url).pathname } },
  test: { environment: 'happy-dom' },
});
