/** A scenario file that cannot be run, with the path of the offending field in its message. */
export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'ScenarioError';
  }
}
