import { InvalidEnvironmentError } from './load-env.js';

/** What a process closes on a signal (a Nest application context, say). */
export interface Closable {
  close(): Promise<void>;
}

/**
 * On SIGINT or SIGTERM, closes `app` once (drain, hand jobs back, deregister) and exits 0: a
 * clean stop, not a kill. A failing close exits 1.
 */
export function closeOnSignals(app: Closable): void {
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}

/** Runs a process's `main`; a start-up failure prints (a bad setting: just its message) and exits 1. */
export function runProcess(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error instanceof InvalidEnvironmentError ? error.message : error);
    process.exit(1);
  });
}
