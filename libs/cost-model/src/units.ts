/** Bytes in one binary gibibyte (2^30): memory sizes are binary, as drivers report them. */
export const BYTES_PER_GIB = 2 ** 30;

/** Bytes in one mebibyte (2^20). */
export const BYTES_PER_MIB = 2 ** 20;

/** Bytes in one decimal gigabyte (10^9): datasheets give bandwidths in GB/s. */
export const BYTES_PER_GB = 1e9;

/** Milliseconds in one second. */
export const MS_PER_SECOND = 1000;

/** Bytes per second from a datasheet figure in GB/s. */
export function gbPerSecond(gigabytesPerSecond: number): number {
  return gigabytesPerSecond * BYTES_PER_GB;
}

/** FLOP per second from a datasheet figure in TFLOPS. */
export function teraflops(tflops: number): number {
  return tflops * 1e12;
}
