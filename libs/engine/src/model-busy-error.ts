/** Thrown when unloading (or reloading) a model that still runs generations, without `force`. */
export class ModelBusyError extends Error {
  override readonly name = 'ModelBusyError';

  constructor(
    readonly model: string,
    readonly busySlots: number,
  ) {
    super(`model "${model}" has ${busySlots} running generation(s)`);
  }
}
