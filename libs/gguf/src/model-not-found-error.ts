/** Thrown when a job or command names a model the registry does not have. */
export class ModelNotFoundError extends Error {
  /** `available` is listed in the message so the caller can see what to ask for instead. */
  constructor(
    readonly model: string,
    readonly available: readonly string[],
  ) {
    super(
      available.length === 0
        ? `model "${model}" not found: no models are available`
        : `model "${model}" not found; available: ${available.join(', ')}`,
    );
    this.name = 'ModelNotFoundError';
  }
}
