#!/usr/bin/env node
// Runs every benchmark under bench/ and prints ours/MLflow ratios. Not a test: no pass/fail.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Each area's scripts print their own ratios; `node bench/run.mjs format runtime` picks areas.
const scripts = {
  format: ['format/bench.mjs'],
  runtime: ['runtime/predict-bench.mjs', 'runtime/enforce-bench.mjs'],
  environment: ['environment/bench.mjs'],
  python: ['python/bench.mjs'],
  http: ['http/bench.mjs'],
  spark: ['spark/bench.mjs'],
};
const wanted = process.argv.slice(2);
for (const [area, files] of Object.entries(scripts)) {
  if (wanted.length > 0 && !wanted.includes(area)) continue;
  for (const file of files) {
    if (!existsSync(join(here, file))) continue;
    console.log(`== bench/${file}`);
    const { status } = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
    if (status !== 0) process.exitCode = 1;
  }
}
