/** Thrown by generate() when every slot (sequence) of the model is running a generation. */
export class NoFreeSlotError extends Error {
  override readonly name = 'NoFreeSlotError';

  constructor(
    readonly model: string,
    readonly slots: number,
  ) {
    super(`model "${model}" has no free slot (all ${slots} busy)`);
  }
}
