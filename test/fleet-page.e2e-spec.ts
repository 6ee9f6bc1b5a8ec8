import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FleetSnapshot } from '#switchyard/contracts';
import { CHROMIUM, CHROMIUM_ARGS } from './support/chromium.js';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

const OUTPUT_DIR = resolve(process.env.TEST_OUTPUT_DIR || 'test-output');
const ADMIN_KEY = 'sk-fleet-page-admin-0001';
// Run in the page: how many pixels each chart canvas has painted.
const INKED_PIXELS = `[...document.querySelectorAll('.chart canvas')].map((canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
  return inked;
})`;
const CHARTS_HAVE_SAMPLES = `['chart-waiting', 'chart-running'].every(
  (id) => Number(document.getElementById(id)?.dataset.points ?? 0) >= 2)`;

// A real fleet (api, scheduler, a worker with a synthetic model) watched through /fleet in
// Debian's chromium, driven by playwright-core, logged in with an admin key as a person would.
describe('the fleet page in a browser', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const problems: string[] = [];

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      env: { API_KEYS: `${ADMIN_KEY}@ops:admin` },
      apiKey: ADMIN_KEY,
    }).start();
    // A first job loads the model, so the worker's card has one to show.
    const first = await fleet.submit({ model: 'synth-5m', prompt: 'Warm up', max_tokens: 8 });
    assert.equal((await fleet.waitForFinished(first)).state, 'completed');
    // Without a browser the tests below fail (they never skip): see the first one.
    if (!existsSync(CHROMIUM)) return;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      // Answers the page's Basic challenge; the browser then sends it along to /v1/fleet.
      httpCredentials: { username: 'ops', password: ADMIN_KEY },
    });
    const opened = await context.newPage();
    page = opened;
    opened.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    opened.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    opened.on('response', (r) => {
      // The unauthenticated first try of /fleet is the Basic challenge being answered.
      if (r.status() >= 400 && r.status() !== 401) problems.push(`${r.status()} ${r.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await fleet?.stop();
    models?.remove();
  });

  test("Debian's chromium is installed", () => {
    assert.ok(
      browser,
      `no chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set ` +
        'CHROMIUM_PATH; the fleet page test fails rather than skip without a browser',
    );
  });

  test('refuses a browser without an admin key with a Basic challenge', async () => {
    const answer = await fetch(`${fleet.baseUrl}/fleet`);
    assert.equal(answer.status, 401);
    assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic /);
  });

  test('shows the worker, its model and layers, draws the charts, and a new job', async () => {
    assert.ok(browser && page, `no chromium at ${CHROMIUM}`);
    // The first job's SLA outcome is counted by the scheduler from the queue's completed event.
    let snapshot = (await fleet.request<FleetSnapshot>('GET', '/v1/fleet')).body;
    await fleet.waitFor(
      'the SLA outcome of the first job',
      async () => {
        snapshot = (await fleet.request<FleetSnapshot>('GET', '/v1/fleet')).body;
        return snapshot.sla.standard.met + snapshot.sla.standard.missed === 1;
      },
      10_000,
    );
    const response = await page.goto(`${fleet.baseUrl}/fleet`);
    assert.equal(response?.status(), 200);
    assert.equal(snapshot.workers.length, 1);
    const worker = snapshot.workers[0];
    const loaded = worker.loaded.find((m) => m.model === 'synth-5m');
    assert.ok(loaded, `synth-5m is loaded: ${JSON.stringify(worker.loaded)}`);

    const card = page.locator(`[data-worker="${worker.id}"]`);
    const model = card.locator('[data-model="synth-5m"]');
    await model.waitFor({ timeout: 15_000 });
    assert.match(
      await model.innerText(),
      new RegExp(`${loaded.gpuLayers}/${loaded.totalLayers} layers on GPU`),
    );
    assert.match(
      (await card.locator('.memory-segment').first().getAttribute('title')) ?? '',
      /synth-5m/,
    );
    assert.ok((await card.innerText()).includes(worker.device.name), 'the device is named');

    const id = await fleet.submit({
      model: 'synth-5m',
      prompt: 'Show me on the page',
      max_tokens: 2000,
      priority: 'standard',
    });
    // The leader's dispatch of it, with the policy's reason, reaches the decisions panel.
    const decision = page.locator(`.decisions li[data-job="${id}"][data-type="dispatch"]`);
    await decision.waitFor({ timeout: 20_000 });
    assert.ok((await decision.locator('.reason').innerText()).trim().length > 0, 'a reason');

    await page.waitForFunction(CHARTS_HAVE_SAMPLES, null, { timeout: 20_000 });
    const inked = (await page.evaluate(INKED_PIXELS)) as number[];
    assert.equal(inked.length, 2, 'two charts');
    for (const pixels of inked) assert.ok(pixels > 1000, `a chart painted ${pixels} pixels`);
    assert.notEqual(await page.locator('#freshness').innerText(), 'loading…');
    // The first job completed minutes ago at most: in the recent window and in the totals.
    const sla = await page.locator('.sla-class[data-class="standard"]').innerText();
    assert.match(sla, /1 met · 0 missed|0 met · 1 missed/);
    assert.match(sla, /since the start: (100|0\.0) % of 1/);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'fleet.png'), fullPage: true });
    assert.deepEqual(problems, [], 'no script error and no blocked resource');
  });
});
