import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', test: 'src/testing/index.ts', 'python-runner': 'src/python-runner.ts', wire: 'src/python-shim/wire.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['vitest', 'esbuild'],
});
