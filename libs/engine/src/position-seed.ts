/**
 * The sampling seed for the completion token at `position`: a hash of the request seed and the
 * position, so that sampling a token does not depend on how many tokens this run sampled before.
 * That is what makes a resumed run (resumeTokens) continue exactly as an uninterrupted one.
 */
export function positionSeed(seed: number, position: number): number {
  // splitmix32-style finaliser over (seed, position): cheap and well mixed.
  let h = (Math.trunc(seed) ^ Math.imul(position + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
