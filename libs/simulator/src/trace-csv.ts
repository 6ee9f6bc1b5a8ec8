import type { TraceRow } from './scenario.js';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z?$/;

/**
 * Rows of a request trace in CSV with the columns TIMESTAMP, ContextTokens and GeneratedTokens
 * (Azure's public LLM inference traces; any order, any case, other columns ignored). TIMESTAMP is
 * a date-time ("2023-11-16 18:17:03.9799600", read as UTC) or a number of seconds. Times come
 * back in ms from the earliest row, rows sorted by time (stable for equal times).
 */
export function parseTraceCsv(text: string, source = 'trace'): TraceRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  if (lines.length === 0) throw new Error(`${source}: empty file`);
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const column = (name: string) => {
    const index = header.indexOf(name.toLowerCase());
    if (index < 0) throw new Error(`${source}: no ${name} column (header: ${lines[0]})`);
    return index;
  };
  const time = column('TIMESTAMP');
  const context = column('ContextTokens');
  const generated = column('GeneratedTokens');
  const rows: TraceRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    const at = parseTimestampMs(cells[time]?.trim() ?? '');
    const promptTokens = Number(cells[context]);
    const outputTokens = Number(cells[generated]);
    if (
      !Number.isFinite(at) ||
      !Number.isInteger(promptTokens) ||
      !Number.isInteger(outputTokens)
    ) {
      throw new Error(`${source}: line ${i + 1} is not "timestamp,tokens,tokens": ${lines[i]}`);
    }
    // A request always has a prompt token and makes at least one token.
    rows.push({
      atMs: at,
      promptTokens: Math.max(1, promptTokens),
      outputTokens: Math.max(1, outputTokens),
    });
  }
  if (rows.length === 0) throw new Error(`${source}: no rows`);
  rows.sort((a, b) => a.atMs - b.atMs);
  const start = rows[0].atMs;
  for (const row of rows) row.atMs -= start;
  return rows;
}

function parseTimestampMs(text: string): number {
  const match = DATE_TIME.exec(text);
  if (!match) return /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : NaN;
  const [, y, mo, d, h, mi, s, fraction = '0'] = match;
  const whole = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return whole + Number(`0.${fraction}`) * 1000;
}
