import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { modelSpecFromInfo, type ModelSpec } from '#switchyard/cost-model';
import { readModelInfo } from '#switchyard/gguf';
import { createPolicy, POLICY_NAMES, type PolicyName } from '#switchyard/policy';
import {
  parseScenario,
  parseTraceCsv,
  renderComparisonTable,
  renderHtmlReport,
  scaleLoad,
  scenarioReferences,
  Simulator,
  type Scenario,
  type SimulationResult,
  type TraceRow,
} from '#switchyard/simulator';
import { ProgressBar } from './progress-bar.js';

const USAGE = `usage: switchyard simulate <scenario> [options]
       switchyard simulate --list

Runs a scenario (a name from scenarios/, or a JSON file) under several policies with the same
decide() the live scheduler calls, prints a comparison and writes an HTML report.

options:
  --policies a,b  policies to compare (default: all of ${POLICY_NAMES.join(', ')})
  --seed N        workload seed (default: the scenario's)
  --duration D    arrivals for this long instead of the scenario's (e.g. 90s, 10m, 1h)
  --load F        F times the scenario's arrivals (rates, batch sizes, trace speed), e.g. 1.3
  --trace FILE    replay this CSV (TIMESTAMP,ContextTokens,GeneratedTokens) in the trace streams
  --out FILE      HTML report (default .switchyard/simulate/<scenario>.html)
  --json FILE     also write every figure as JSON
  --no-report     skip the HTML report
  --quiet         no progress bar
  --list          list the scenarios in scenarios/`;

const OPTIONS = {
  policies: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  load: { type: 'string' },
  trace: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'string' },
  'no-report': { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  list: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** scenarios/ at the repository root (this file runs from dist/apps/cli/src/commands/). */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../../../../scenarios/', import.meta.url));

/** Overrides applied to a scenario file before it is validated. */
export interface ScenarioOverrides {
  seed?: number;
  duration?: string;
  /** A CSV to replay in place of every trace stream's own. */
  trace?: string;
}

/**
 * Reads a scenario by name (scenarios/<name>.json) or path, with the traces and GGUF files it
 * names (paths relative to the scenario file), and validates it.
 */
export async function loadScenarioFile(
  nameOrPath: string,
  overrides: ScenarioOverrides = {},
): Promise<Scenario> {
  const path = scenarioPath(nameOrPath);
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  if (overrides.seed !== undefined) raw.seed = overrides.seed;
  if (overrides.duration !== undefined) raw.duration = overrides.duration;
  if (overrides.trace !== undefined) {
    const trace = resolve(overrides.trace);
    for (const stream of (raw.workload ?? []) as { arrival?: { type?: string; path?: string } }[]) {
      if (stream.arrival?.type === 'trace') stream.arrival.path = trace;
    }
  }
  const base = dirname(path);
  const at = (file: string) => (isAbsolute(file) ? file : resolve(base, file));
  const refs = scenarioReferences(raw);
  const traces = new Map<string, TraceRow[]>();
  for (const file of refs.traces) {
    if (!existsSync(at(file))) {
      const source =
        overrides.trace !== undefined
          ? '--trace'
          : `named in ${path}; pass --trace FILE to replay another`;
      throw new Error(`simulate: trace ${at(file)} not found (${source})`);
    }
    traces.set(file, parseTraceCsv(await readFile(at(file), 'utf8'), at(file)));
  }
  const ggufSpecs = new Map<string, ModelSpec>();
  for (const file of refs.ggufs)
    ggufSpecs.set(file, modelSpecFromInfo(await readModelInfo(at(file))));
  try {
    return parseScenario(raw, { traces, ggufSpecs });
  } catch (error) {
    throw new Error(`simulate: ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Runs the scenario under each policy in turn; `onProgress` gets the overall share done. */
export function runPolicies(
  scenario: Scenario,
  policies: readonly PolicyName[],
  options: { seed?: number; onProgress?: (fraction: number, policy: string) => void } = {},
): SimulationResult[] {
  return policies.map((name, i) =>
    new Simulator(scenario, createPolicy(name), name, {
      seed: options.seed,
      onProgress: (f) => options.onProgress?.((i + f) / policies.length, name),
    }).run(),
  );
}

/** `switchyard simulate`: compare policies on a scenario. */
export async function simulateCommand(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseFlags(argv);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  if (flags.list) return listScenarios();
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new Error(`simulate: name one scenario\n\n${USAGE}`);
  const policies = policyList(flags.policies);
  const seed = flags.seed === undefined ? undefined : integer('--seed', flags.seed);
  let scenario = await loadScenarioFile(name, {
    seed,
    duration: flags.duration,
    trace: flags.trace,
  });

  if (flags.load !== undefined) scenario = scaleLoad(scenario, positive('--load', flags.load));

  const bar = flags.quiet ? undefined : new ProgressBar();
  const results = runPolicies(scenario, policies, {
    onProgress: (f, policy) => bar?.update(f, policy),
  });
  bar?.done();

  console.log(`${scenario.name} (seed ${results[0].seed}): ${scenario.description}\n`);
  console.log(renderComparisonTable(results, { wallTime: true }));
  if (!flags['no-report']) {
    const out = resolve(flags.out ?? join('.switchyard', 'simulate', `${scenario.name}.html`));
    await mkdir(dirname(out), { recursive: true });
    const command = `switchyard simulate ${argv.join(' ')}`;
    await writeFile(out, renderHtmlReport(scenario, results, { performance: true, command }));
    console.log(`\nreport: ${relative(process.cwd(), out) || out}`);
  }
  if (flags.json) {
    const out = resolve(flags.json);
    await mkdir(dirname(out), { recursive: true });
    const figures = results.map((r) => ({
      policy: r.policy,
      seed: r.seed,
      metrics: r.metrics,
      performance: r.performance,
    }));
    await writeFile(
      out,
      `${JSON.stringify({ scenario: scenario.name, results: figures }, null, 2)}\n`,
    );
    console.log(`figures: ${relative(process.cwd(), out) || out}`);
  }
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new Error(`simulate: ${(error as Error).message}\n\n${USAGE}`, { cause: error });
  }
}

function policyList(text: string | undefined): PolicyName[] {
  if (text === undefined) return [...POLICY_NAMES];
  const names = text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of names) {
    if (!(POLICY_NAMES as readonly string[]).includes(p)) {
      throw new Error(`simulate: unknown policy "${p}" (known: ${POLICY_NAMES.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('simulate: --policies names no policy');
  return names as PolicyName[];
}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new Error(`simulate: ${flag} must be a non-negative integer (got "${text}")`);
  return Number(text);
}

/** A number above 0 (a load factor). */
export function positive(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new Error(`simulate: ${flag} must be a number above 0 (got "${text}")`);
  return value;
}

function scenarioPath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.json') || nameOrPath.includes('/')) {
    const path = resolve(nameOrPath);
    if (!existsSync(path)) throw new Error(`simulate: no scenario file ${path}`);
    return path;
  }
  const path = join(SCENARIOS_DIR, `${nameOrPath}.json`);
  if (!existsSync(path))
    throw new Error(`simulate: no scenario "${nameOrPath}" in ${SCENARIOS_DIR} (see --list)`);
  return path;
}

async function listScenarios(): Promise<void> {
  const files = (await readdir(SCENARIOS_DIR)).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const raw = JSON.parse(await readFile(join(SCENARIOS_DIR, file), 'utf8')) as {
      name?: string;
      description?: string;
    };
    console.log(`${file.replace(/\.json$/, '').padEnd(22)} ${raw.description ?? ''}`);
  }
}
