import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import { FieldReader } from './field-reader.js';
import type {
  ArrivalProcess,
  LengthDistribution,
  ScenarioFiles,
  WorkloadStream,
} from './scenario.js';
import { ScenarioError } from './scenario-error.js';

/*
 * The workload part of a scenario file: streams of jobs with their arrival process (Poisson,
 * bursty, diurnal, a replayed trace), model popularity and prompt and output lengths.
 */

/** One workload stream of the scenario: its class, arrivals, model popularity and lengths. */
export function parseStream(
  path: string,
  raw: unknown,
  modelOrder: string[],
  durationMs: number,
  files: ScenarioFiles,
): WorkloadStream {
  const r = FieldReader.of(path, raw);
  const name = r.string('name', path.replace('scenario.', ''));
  let classMix: Partial<Record<PriorityClass, number>>;
  if (r.has('class')) {
    const cls = r.string('class');
    if (!isClass(cls))
      throw new ScenarioError(r.at('class'), `must be one of ${PRIORITY_CLASSES.join(', ')}`);
    classMix = { [cls]: 1 };
  } else {
    const mix = r.object('classMix');
    classMix = {};
    for (const key of mix.keys()) {
      if (!isClass(key))
        throw new ScenarioError(mix.at(key), `unknown class (use ${PRIORITY_CLASSES.join(', ')})`);
      classMix[key] = mix.number(key, { min: 0 });
    }
    mix.done();
  }
  const startMs = r.duration('start', 0);
  const endMs = r.duration('end', durationMs);
  const arrival = parseArrival(r.object('arrival'), files);
  const models = parsePopularity(r.at('models'), r.raw('models'), modelOrder);
  const promptTokens = parseLength(r.at('promptTokens'), r.raw('promptTokens') ?? 256);
  const outputTokens = parseLength(r.at('outputTokens'), r.raw('outputTokens') ?? 128);
  const maxTokens = r.optionalNumber('maxTokens', { integer: true, min: 1 });
  const count = r.optionalNumber('count', { integer: true, min: 0 });
  const deadlineMs = r.optionalDuration('deadline');
  r.done();
  return {
    name,
    classMix,
    arrival,
    models,
    promptTokens,
    outputTokens,
    maxTokens,
    startMs,
    endMs,
    count,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  };
}

function parseArrival(r: FieldReader, files: ScenarioFiles): ArrivalProcess {
  const type = r.string('type');
  let arrival: ArrivalProcess;
  switch (type) {
    case 'poisson':
      arrival = { type, ratePerSecond: r.number('ratePerSecond', { min: 0 }) };
      break;
    case 'bursty':
      arrival = {
        type,
        ratePerSecond: r.number('ratePerSecond', { min: 0 }),
        burstRatePerSecond: r.number('burstRatePerSecond', { min: 0 }),
        burstMs: r.duration('burst'),
        gapMs: r.duration('gap'),
      };
      break;
    case 'diurnal':
      arrival = {
        type,
        ratePerSecond: r.number('ratePerSecond', { min: 0 }),
        amplitude: r.number('amplitude', { min: 0, max: 1 }),
        periodMs: r.duration('period', 86_400_000),
        peakAtMs: r.duration('peakAt', 0),
      };
      break;
    case 'batch':
      arrival = {
        type,
        atMs: r.duration('at', 0),
        count: r.number('count', { integer: true, min: 0 }),
        spreadMs: r.duration('spread', 0),
      };
      break;
    case 'trace': {
      const file = r.string('path');
      const rows = files.traces?.get(file);
      if (!rows) throw new ScenarioError(r.at('path'), `trace "${file}" was not read`);
      const limit = r.optionalNumber('limit', { integer: true, min: 1 });
      arrival = {
        type,
        rows: limit === undefined ? rows : rows.slice(0, limit),
        speedup: r.number('speedup', { min: 1e-6, fallback: 1 }),
      };
      break;
    }
    default:
      throw new ScenarioError(
        r.at('type'),
        `unknown arrival "${type}" (poisson, bursty, diurnal, batch, trace)`,
      );
  }
  r.done();
  return arrival;
}

function parsePopularity(
  path: string,
  raw: unknown,
  modelOrder: string[],
): { name: string; weight: number }[] {
  const known = (m: unknown, at: string): string => {
    if (typeof m !== 'string' || !modelOrder.includes(m)) {
      throw new ScenarioError(at, `unknown model ${JSON.stringify(m)}`);
    }
    return m;
  };
  if (raw === undefined) return modelOrder.map((name) => ({ name, weight: 1 }));
  if (typeof raw === 'string') return [{ name: known(raw, path), weight: 1 }];
  if (Array.isArray(raw))
    return raw.map((m, i) => ({ name: known(m, `${path}[${i}]`), weight: 1 }));
  const r = FieldReader.of(path, raw);
  let result: { name: string; weight: number }[];
  if (r.has('zipf')) {
    // Zipf: the k-th model of the list (1-based) is asked for in proportion to 1 / k^s.
    const s = r.number('zipf', { min: 0 });
    const names = r.array('names', modelOrder).map((m, i) => known(m, `${r.at('names')}[${i}]`));
    result = names.map((name, k) => ({ name, weight: 1 / Math.pow(k + 1, s) }));
  } else {
    const weights = r.object('weights');
    result = weights.keys().map((name) => ({
      name: known(name, weights.at(name)),
      weight: weights.number(name, { min: 0 }),
    }));
    weights.done();
  }
  r.done();
  if (!result.some((m) => m.weight > 0))
    throw new ScenarioError(path, 'needs a model with a positive weight');
  return result;
}

function parseLength(path: string, raw: unknown): LengthDistribution {
  if (typeof raw === 'number') {
    if (!(Number.isInteger(raw) && raw >= 1))
      throw new ScenarioError(path, `must be a positive integer (got ${raw})`);
    return { type: 'fixed', value: raw };
  }
  const r = FieldReader.of(path, raw);
  const type = r.string('type');
  let dist: LengthDistribution;
  switch (type) {
    case 'fixed':
      dist = { type, value: r.number('value', { integer: true, min: 1 }) };
      break;
    case 'uniform': {
      const min = r.number('min', { integer: true, min: 1 });
      dist = { type, min, max: r.number('max', { integer: true, min }) };
      break;
    }
    case 'lognormal': {
      const min = r.number('min', { integer: true, min: 1, fallback: 1 });
      dist = {
        type,
        median: r.number('median', { min: 1 }),
        sigma: r.number('sigma', { min: 0 }),
        min,
        max: r.number('max', { integer: true, min, fallback: 1_000_000 }),
      };
      break;
    }
    case 'choice': {
      const values = r.array('values').map((v, i) => {
        if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
          throw new ScenarioError(`${r.at('values')}[${i}]`, 'must be a positive integer');
        }
        return v;
      });
      const weights = r
        .array(
          'weights',
          values.map(() => 1),
        )
        .map((w, i) => {
          if (!(typeof w === 'number' && w >= 0))
            throw new ScenarioError(`${r.at('weights')}[${i}]`, 'must be >= 0');
          return w;
        });
      if (values.length === 0 || weights.length !== values.length) {
        throw new ScenarioError(path, 'needs values, and as many weights as values');
      }
      dist = { type, values, weights };
      break;
    }
    default:
      throw new ScenarioError(
        r.at('type'),
        `unknown distribution "${type}" (fixed, uniform, lognormal, choice)`,
      );
  }
  r.done();
  return dist;
}

/** Whether a string names a priority class. */
export function isClass(value: string): value is PriorityClass {
  return (PRIORITY_CLASSES as readonly string[]).includes(value);
}
