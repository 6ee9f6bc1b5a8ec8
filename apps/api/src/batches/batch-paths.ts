import { join } from 'node:path';

/** The working files of one batch, in its folder under FILES_DIR/batches. */
export interface BatchPaths {
  /** The input file as it was when the batch was created (a hard link or a copy). */
  input: string;
  /** The valid requests found by validation, one JSON per line: `{line, customId, request}`. */
  requests: string;
  /** Output lines appended as jobs complete (may repeat a line after a restart). */
  output: string;
  /** Error lines: bad lines at validation, then failed requests as they fail. */
  errors: string;
}

/** The working files of the batch whose folder is `dir`. */
export function batchPaths(dir: string): BatchPaths {
  return {
    input: join(dir, 'input.jsonl'),
    requests: join(dir, 'requests.jsonl'),
    output: join(dir, 'output.jsonl'),
    errors: join(dir, 'errors.jsonl'),
  };
}
