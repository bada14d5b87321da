import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The test oracle imports @pyfunc/format too: make it this source, not the built copy, so
  // both sides share classes (PyDateTime, ModelSignature, ...).
  resolve: { alias: { '@pyfunc/format': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
