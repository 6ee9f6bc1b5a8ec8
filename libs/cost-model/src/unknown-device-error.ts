/** Thrown when a query names a device id the cost model's catalog does not hold. */
export class UnknownDeviceError extends Error {
  constructor(readonly device: string) {
    super(`unknown device "${device}": add it to the cost model's catalog`);
    this.name = 'UnknownDeviceError';
  }
}
