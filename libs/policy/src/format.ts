/** A duration for a reason: "850 ms", "1.2 s", "3.4 min", "2.1 h"; "never" when infinite. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A size for a reason, in GiB from 1 GiB up, else in MiB. */
export function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** A ratio as a whole percentage. */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

/**
 * Ids in a stable order, numeric parts compared as numbers ("w2" before "w10"), as LruPolicy's
 * localeCompare orders them for plain ids but without the cost of a collator (it runs per sort).
 */
export function compareIds(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const endA = digitsEnd(a, i);
      const endB = digitsEnd(b, j);
      const byNumber = compareDigits(a, i, endA, b, j, endB);
      if (byNumber !== 0) return byNumber;
      i = endA;
      j = endB;
      continue;
    }
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  const rest = a.length - i - (b.length - j);
  // Equal by number ("w2", "w02"): the plain order decides, so distinct ids never tie.
  return rest || (a < b ? -1 : a > b ? 1 : 0);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function digitsEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Digit runs `a[i, endA)` and `b[j, endB)` as numbers: leading zeros ignored, then length, then
 * digit by digit. In place, without slicing: sorts of thousands of ids call it.
 */
function compareDigits(
  a: string,
  i: number,
  endA: number,
  b: string,
  j: number,
  endB: number,
): number {
  while (i < endA - 1 && a.charCodeAt(i) === 48) i++;
  while (j < endB - 1 && b.charCodeAt(j) === 48) j++;
  const byLength = endA - i - (endB - j);
  if (byLength !== 0) return byLength;
  for (; i < endA; i++, j++) {
    const diff = a.charCodeAt(i) - b.charCodeAt(j);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}
