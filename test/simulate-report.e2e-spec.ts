import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './support/chromium.js';

const OUTPUT_DIR = resolve(process.env.TEST_OUTPUT_DIR || 'test-output');
const CLI = fileURLToPath(new URL('../apps/cli/src/main.js', import.meta.url));
const POLICIES = ['sensitivity', 'lru'];

/** What the browser laid out for one chart. */
interface DrawnChart {
  title: string;
  width: number;
  height: number;
  /** Rendered length of each series' line, in px. */
  lines: number[];
}

// Run in the page: every chart with its laid-out size and the length of each line drawn in it.
const DRAWN_CHARTS = `[...document.querySelectorAll('svg[role=img]')].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {
    title: svg.getAttribute('aria-label'),
    width: box.width,
    height: box.height,
    lines: [...svg.querySelectorAll('path')].map((path) => path.getTotalLength()),
  };
})`;

// The simulate command's HTML report as a person opens it: the real cli runs a scenario under
// two policies, and Debian's chromium (driven by playwright-core) opens the file it wrote.
describe("the simulator's HTML report in a browser", () => {
  let dir: string;
  let report: string;
  let browser: Browser | undefined;
  let charts: DrawnChart[] = [];
  const problems: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-report-'));
    report = join(dir, 'sim-to-real.html');
    await promisify(execFile)(
      process.execPath,
      [CLI, 'simulate', 'sim-to-real', '--policies', POLICIES.join(','), '--out', report],
      { timeout: 120_000 },
    );
    if (!existsSync(CHROMIUM)) return;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // The report must stand alone: anything it fetches beyond its own file is a problem.
    page.on('request', (r) => {
      if (r.url() !== pathToFileURL(report).href) problems.push(`fetched ${r.url()}`);
    });
    await page.goto(pathToFileURL(report).href);
    charts = (await page.evaluate(DRAWN_CHARTS)) as DrawnChart[];
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, 'simulate-report.png'), fullPage: true });
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("Debian's chromium is installed", () => {
    assert.ok(
      browser,
      `no chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set ` +
        'CHROMIUM_PATH; the report test fails rather than skip without a browser',
    );
  });

  test('draws a latency curve per class and policy, queue depth and memory per policy', () => {
    assert.ok(browser, `no chromium at ${CHROMIUM}`);
    const expected = [
      ...['interactive', 'standard', 'batch'].flatMap((cls) => [
        `${cls}: time to first token`,
        `${cls}: completion time`,
      ]),
      ...POLICIES.map((policy) => `${policy}: jobs waiting`),
      ...POLICIES.map((policy) => `${policy}: memory per worker`),
    ];
    assert.deepEqual(
      charts.map((c) => c.title),
      expected,
    );
    for (const chart of charts) {
      assert.ok(
        chart.width > 200 && chart.height > 100,
        `${chart.title} laid out: ${chart.width}×${chart.height}`,
      );
      const drawn = chart.lines.filter((length) => length > 20).length;
      // A curve per policy on a latency chart, one line per class for the queue, one per worker
      // for memory (sim-to-real has two workers).
      const wanted = chart.title.endsWith('jobs waiting')
        ? 3
        : chart.title.endsWith('memory per worker')
          ? 2
          : POLICIES.length;
      assert.ok(drawn >= wanted, `${chart.title}: ${drawn} lines drawn, want ${wanted}`);
    }
  });

  test('opens without errors and fetches nothing', () => {
    assert.ok(browser, `no chromium at ${CHROMIUM}`);
    assert.deepEqual(problems, []);
  });

  test('names each policy in its comparison table', () => {
    const html = readFileSync(report, 'utf8');
    for (const policy of POLICIES) assert.match(html, new RegExp(`<th[^>]*>${policy}</th>`));
  });
});
