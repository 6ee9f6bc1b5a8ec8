#!/usr/bin/env node
// Runs the compiled tests with node's own test runner.
// Usage: node scripts/run-tests.mjs [unit|e2e] [extra node --test flags]
// unit: dist/{apps,libs}/**/*.spec.js (fast, real Redis where needed)
// e2e:  dist/test/**/*.e2e-spec.js (real api, scheduler and worker processes)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const [suite = 'all', ...extra] = process.argv.slice(2);

function find(dir, suffix, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, suffix, out);
    else if (name.endsWith(suffix)) out.push(path);
  }
  return out;
}

const unit = [...find('dist/libs', '.spec.js'), ...find('dist/apps', '.spec.js')];
const e2e = find('dist/test', '.e2e-spec.js');
const files = suite === 'unit' ? unit : suite === 'e2e' ? e2e : [...unit, ...e2e];
if (files.length === 0) {
  console.error(`no test files found for suite "${suite}" (did the build run?)`);
  process.exit(1);
}
// e2e files start real processes on fixed resources: run files one at a time.
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', ...extra, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
