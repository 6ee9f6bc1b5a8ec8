/** The one queue every inference job lives in for its whole life. */
export const JOBS_QUEUE = 'jobs';
