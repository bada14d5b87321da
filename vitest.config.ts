import { defineConfig } from 'vitest/config';

// One run over every workspace package, so the totals printed at the end are the suite's.
export default defineConfig({
  test: {
    projects: ['packages/*', 'packages/adapters/*', 'apps/*', 'scripts'],
    reporters: ['default'],
  },
});
