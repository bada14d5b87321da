import { defineConfig } from 'vitest/config';

// One run over every workspace package, so the totals printed at the end are the suite's.
// Projects are named by their config files: a bare folder glob would also take
// packages/adapters itself as a project (with default timeouts) and run its tests twice.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'packages/adapters/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'scripts/vitest.config.ts',
    ],
    reporters: ['default'],
  },
});
