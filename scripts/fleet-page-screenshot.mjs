#!/usr/bin/env node
// Takes the README's screenshot of the fleet page from a real run: api, scheduler and two CPU
// workers (1 thread, 256 MiB budget each) serving synth-50m, synth-5m and synth-tiny under a mixed
// load of interactive, standard and batch jobs, then a burst of batch jobs so some wait, one of
// them looked up under "Why is my job waiting?". Needs `npm run build` and Debian's chromium.
// Usage: node scripts/fleet-page-screenshot.mjs [--minutes 2.5] [--out test-output/fleet-page.png]
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { MODEL_PRESETS, writeSyntheticModel } from '../dist/libs/gguf/src/index.js';
import { FleetHarness } from '../dist/test/support/fleet-harness.js';
import { makeTestModels } from '../dist/test/support/test-models.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2.5' },
    out: { type: 'string', default: 'test-output/fleet-page.png' },
  },
});

const models = await makeTestModels();
await writeSyntheticModel(join(models.dir, 'synth-50m.gguf'), MODEL_PRESETS['synth-50m']);
const fleet = await new FleetHarness({
  modelsDir: models.dir,
  workers: 2,
  workerEnv: { WORKER_MEMORY_BUDGET: '256MiB', WORKER_SLOTS: '2' },
}).start();
const submit = (model, priority, maxTokens) =>
  fleet.submit({ model, prompt: `A ${priority} request`, max_tokens: maxTokens, priority });
let browser;
try {
  for (let i = 0; i < 10; i++) await submit('synth-50m', 'batch', 600);
  for (let i = 0; i < 4; i++) await submit('synth-5m', 'standard', 1500);
  const until = Date.now() + Number(values.minutes) * 60_000;
  for (let n = 0; Date.now() < until; n++) {
    await submit(n % 3 === 0 ? 'synth-tiny' : 'synth-5m', 'interactive', 200);
    if (n % 4 === 0) await submit('synth-50m', 'batch', 400);
    if (n % 5 === 0) await submit('synth-5m', 'standard', 800);
    await sleep(2500);
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${fleet.baseUrl}/fleet`);
  let last;
  for (let i = 0; i < 8; i++) last = await submit('synth-50m', 'batch', 600);
  await submit('synth-5m', 'standard', 1500);
  await submit('synth-5m', 'interactive', 300);
  await sleep(3500);
  await page.fill('.lookup input', last);
  await page.click('.lookup button');
  await page.locator('.lookup-result').waitFor();
  await sleep(1000);
  await page.evaluate('window.scrollTo(0, 0)');
  await sleep(300);
  await page.screenshot({ path: values.out, fullPage: true });
  console.log(`wrote ${values.out}`);
} finally {
  await browser?.close();
  await fleet.stop();
  models.remove();
}
