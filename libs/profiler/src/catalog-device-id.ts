import { matchCatalogDevice } from '#switchyard/cost-model';
import type { DeviceInfo } from '#switchyard/engine';

/**
 * The cost-model catalog id that profiles of this device are stored under: 'cpu' for a CPU-only
 * engine (one catalog entry for every host; the host probe tells hosts' speeds apart), else the
 * catalog GPU its driver name matches, or undefined for a GPU the catalog does not know.
 */
export function catalogDeviceId(device: Pick<DeviceInfo, 'kind' | 'name'>): string | undefined {
  return device.kind === 'cpu' ? 'cpu' : matchCatalogDevice(device.name)?.id;
}
