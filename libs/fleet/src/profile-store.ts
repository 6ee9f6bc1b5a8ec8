import type { Redis } from 'ioredis';
import type { RedisKeys } from '#switchyard/contracts';
import {
  parseDeviceProfile,
  parseModelProfile,
  type CostModel,
  type DeviceProfile,
  type ModelProfile,
  type Profiles,
} from '#switchyard/cost-model';

/** A stored profile that did not parse, with the reason. */
export interface InvalidProfile {
  field: string;
  error: string;
}

/**
 * Measured cost-model profiles in one Redis hash (see RedisKeys.profiles): the profiler and the
 * workers' live refresh write them, the scheduler reads them all into its CostModel. Writes
 * replace a whole profile; the last writer wins.
 */
export class ProfileStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Stores one model or device profile in place of the one for the same model and device. */
  async save(profile: ModelProfile | DeviceProfile): Promise<void> {
    await this.redis.hset(this.keys.profiles(), fieldOf(profile), JSON.stringify(profile));
  }

  /** Stores every profile of `profiles` in one command. */
  async saveAll(profiles: Profiles): Promise<void> {
    const all = [...profiles.models, ...profiles.devices];
    if (all.length === 0) return;
    await this.redis.hset(
      this.keys.profiles(),
      Object.fromEntries(all.map((p) => [fieldOf(p), JSON.stringify(p)])),
    );
  }

  /** The stored profile of a model on a catalog device, if any (throws when it does not parse). */
  async modelProfile(model: string, device: string): Promise<ModelProfile | undefined> {
    const raw = await this.redis.hget(this.keys.profiles(), modelField(model, device));
    return raw === null ? undefined : parseModelProfile(JSON.parse(raw));
  }

  /** The stored host probe of a catalog device, if any (throws when it does not parse). */
  async deviceProfile(device: string): Promise<DeviceProfile | undefined> {
    const raw = await this.redis.hget(this.keys.profiles(), deviceField(device));
    return raw === null ? undefined : parseDeviceProfile(JSON.parse(raw));
  }

  /**
   * Every stored profile. One that does not parse (written by another version, say) is left out
   * and reported to `onInvalid`, so that one bad entry does not blind the scheduler.
   */
  async load(onInvalid?: (invalid: InvalidProfile) => void): Promise<Profiles> {
    const entries = await this.redis.hgetall(this.keys.profiles());
    const profiles: Profiles = { models: [], devices: [] };
    for (const [field, raw] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
      try {
        const value: unknown = JSON.parse(raw);
        if (field.startsWith('model:')) profiles.models.push(parseModelProfile(value));
        else if (field.startsWith('device:')) profiles.devices.push(parseDeviceProfile(value));
        else throw new TypeError('unknown kind of profile');
      } catch (error) {
        onInvalid?.({ field, error: (error as Error).message });
      }
    }
    return profiles;
  }

  /** `costModel` with every stored profile in place (see CostModel.withProfile). */
  async applyTo(
    costModel: CostModel,
    onInvalid?: (invalid: InvalidProfile) => void,
  ): Promise<CostModel> {
    const { models, devices } = await this.load(onInvalid);
    return [...devices, ...models].reduce(
      (model, profile) => model.withProfile(profile),
      costModel,
    );
  }

  /** Removes the profile of a model on a device (the formula takes over again). */
  async removeModel(model: string, device: string): Promise<void> {
    await this.redis.hdel(this.keys.profiles(), modelField(model, device));
  }

  /** Removes every stored profile. */
  async clear(): Promise<void> {
    await this.redis.del(this.keys.profiles());
  }
}

function modelField(model: string, device: string): string {
  return `model:${device}:${model}`;
}

function deviceField(device: string): string {
  return `device:${device}`;
}

function fieldOf(profile: ModelProfile | DeviceProfile): string {
  return 'model' in profile
    ? modelField(profile.model, profile.device)
    : deviceField(profile.device);
}
