import type { ArrivalProcess, Scenario, WorkloadStream } from './scenario.js';
import { ScenarioError } from './scenario-error.js';

/**
 * The scenario with `factor` times its arrivals: every stream's rates (a burst's too), batch
 * submissions' and capped streams' counts, and a trace's replay speed. The fleet, models, SLAs
 * and lengths stay, so a sweep over factors shows where each policy's fleet saturates.
 */
export function scaleLoad(scenario: Scenario, factor: number): Scenario {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new ScenarioError('load', `must be a number above 0, got ${factor}`);
  }
  if (factor === 1) return scenario;
  return {
    ...scenario,
    name: `${scenario.name} ×${factor}`,
    workload: scenario.workload.map((stream) => scaleStream(stream, factor)),
  };
}

function scaleStream(stream: WorkloadStream, factor: number): WorkloadStream {
  return {
    ...stream,
    arrival: scaleArrival(stream.arrival, factor),
    ...(stream.count === undefined ? {} : { count: Math.round(stream.count * factor) }),
  };
}

function scaleArrival(arrival: ArrivalProcess, factor: number): ArrivalProcess {
  switch (arrival.type) {
    case 'poisson':
    case 'diurnal':
      return { ...arrival, ratePerSecond: arrival.ratePerSecond * factor };
    case 'bursty':
      return {
        ...arrival,
        ratePerSecond: arrival.ratePerSecond * factor,
        burstRatePerSecond: arrival.burstRatePerSecond * factor,
      };
    case 'batch':
      return { ...arrival, count: Math.round(arrival.count * factor) };
    case 'trace':
      return { ...arrival, speedup: arrival.speedup * factor };
  }
}
