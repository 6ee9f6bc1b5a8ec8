/** Thrown when a request names a model that is not loaded (or is being unloaded). */
export class ModelNotLoadedError extends Error {
  override readonly name = 'ModelNotLoadedError';

  constructor(readonly model: string) {
    super(`model "${model}" is not loaded`);
  }
}
