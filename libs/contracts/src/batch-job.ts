import type { JobData } from './job.js';

/** Which batch line a job answers. */
export interface BatchJobRef {
  batchId: string;
  /** Line number in the batch's input file, from 1. */
  line: number;
  customId: string;
}

/** The data of a job created for one line of a batch file: a plain request, plus where it came from. */
export interface BatchJobData extends JobData {
  batch: BatchJobRef;
  /** Epoch ms when the batch's completion window ends; the batch expires then. */
  deadline: number;
}

const BATCH_JOB_ID = /^batch:([^:]+):(\d+)$/;

/**
 * The job id of a batch line: deterministic, so adding a line twice (an api that resumes creating
 * a batch) is a no-op — BullMQ ignores a job whose id exists.
 */
export function batchJobId(batchId: string, line: number): string {
  return `batch:${batchId}:${line}`;
}

/** The batch and line of a batch job id; undefined for any other job. */
export function parseBatchJobId(jobId: string): { batchId: string; line: number } | undefined {
  const match = BATCH_JOB_ID.exec(jobId);
  return match ? { batchId: match[1], line: Number(match[2]) } : undefined;
}
