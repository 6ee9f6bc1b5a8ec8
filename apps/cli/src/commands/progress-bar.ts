/**
 * A one-line progress bar on stderr with the elapsed time, redrawn at most every 100 ms; when
 * stderr is not a terminal, one line per label and then one every 10 % of progress.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastLabel = '';
  private lastTenth = -1;
  private readonly tty = process.stderr.isTTY === true;
  private readonly started = Date.now();

  constructor(private readonly title = '') {}

  /** Shows `fraction` (0..1) done, labelled (e.g. the policy being simulated). */
  update(fraction: number, label: string): void {
    const now = Date.now();
    const elapsed = `${((now - this.started) / 1000).toFixed(0)} s`;
    const pct = `${(Math.min(1, fraction) * 100).toFixed(0).padStart(3)}%`;
    const prefix = this.title ? `${this.title} ` : '';
    if (!this.tty) {
      const tenth = Math.floor(Math.min(1, fraction) * 10);
      if (label !== this.lastLabel || tenth !== this.lastTenth) {
        process.stderr.write(`${prefix}${label} ${pct} (${elapsed})\n`);
      }
      this.lastLabel = label;
      this.lastTenth = tenth;
      return;
    }
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round(Math.min(1, fraction) * width);
    process.stderr.write(
      `\r${prefix}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${label.padEnd(12)} ${elapsed}   `,
    );
  }

  /** Clears the bar's line. */
  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}
