/** Debian's chromium for the browser tests: where it is and how it starts on this machine. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Headless on a machine without network: no sandbox as root, no GPU, and none of chromium's own
 * background connections (each one is refused here and slows the start).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
