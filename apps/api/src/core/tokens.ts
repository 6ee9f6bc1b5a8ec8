/** Injection token of the BullMQ `jobs` queue (a generic `Queue` class makes a poor token). */
export const JOBS_QUEUE_TOKEN = Symbol('JOBS_QUEUE');
