/** A broken simulator invariant (memory over budget, a job on a model not loaded, a job ended twice). */
export class InvariantViolation extends Error {
  constructor(
    readonly at: number,
    detail: string,
  ) {
    super(`at ${at} ms: ${detail}`);
    this.name = 'InvariantViolation';
  }
}
