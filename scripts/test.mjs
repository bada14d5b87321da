#!/usr/bin/env node
// The whole test suite: the layering check, then every package's vitest tests in one run
// (differential tests against real MLflow 2.22 and 3.x included). Prints totals; exits
// non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

const started = Date.now();
const layers = run(process.execPath, [join(root, 'scripts', 'check-layers.mjs')]);
const tests = run(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)]);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(`\nsuite: layering ${layers === 0 ? 'ok' : 'FAILED'}, tests ${tests === 0 ? 'ok' : 'FAILED'} (${minutes} min)`);
process.exit(layers === 0 && tests === 0 ? 0 : 1);
