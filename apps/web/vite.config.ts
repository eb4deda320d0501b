/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  plugins: [solid()],
  // Relative asset paths: the combined server serves this build at `/`, others may mount it deeper.
  base: './',
  test: {
    environment: 'happy-dom',
  },
});
