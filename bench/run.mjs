#!/usr/bin/env node
// Runs every benchmark under bench/ and prints ours/MLflow ratios. Not a test: no pass/fail.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const area of ['format']) {
  console.log(`== bench/${area}`);
  const { status } = spawnSync(process.execPath, [join(here, area, 'bench.mjs')], { stdio: 'inherit' });
  if (status !== 0) process.exitCode = 1;
}
