import { CostModel } from '#switchyard/cost-model';

/**
 * Freezes a snapshot and everything it holds (the cost model excepted: it caches its answers), so
 * a policy that mutates its input throws.
 */
export function deepFreeze(value: unknown): void {
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.isFrozen(value) ||
    value instanceof CostModel
  )
    return;
  Object.freeze(value);
  for (const key of Object.keys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor) deepFreeze(descriptor.value);
  }
}
