import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of its own for one process (not prom-client's global one, so tests that build
 * several apps in one process do not collide), with node's default process metrics in it.
 */
export function createProcessRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_' });
  return registry;
}
