#!/usr/bin/env node
// Bundles the fleet page (apps/api/src/fleet/page: Preact and uPlot from npm) with esbuild into
// dist/apps/api/src/fleet/page/, where the api serves it at /fleet: one script, one stylesheet,
// the HTML shell and its icon. No CDN, no inline script, so helmet's strict content security policy holds.
// Run by `npm run build` after tsc; the page's types are checked by its own tsconfig there.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'apps/api/src/fleet/page');
const out = join(root, 'dist/apps/api/src/fleet/page');

mkdirSync(out, { recursive: true });
await build({
  entryPoints: { fleet: join(source, 'main.tsx') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(source, 'tsconfig.json'),
  logLevel: 'warning',
});
for (const file of ['index.html', 'favicon.svg']) copyFileSync(join(source, file), join(out, file));
