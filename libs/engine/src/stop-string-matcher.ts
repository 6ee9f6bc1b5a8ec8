/** What a StopStringMatcher lets through after one push. */
export interface StopMatch {
  /** Text that is now safe to emit. */
  emit: string;
  /** A stop string was found: `emit` ends right before it and nothing more should be generated. */
  stopped: boolean;
}

/**
 * Finds stop strings in streamed text. Text that could be the start of a stop string is held
 * back until it is known not to be one, so a client never sees part of a stop string.
 */
export class StopStringMatcher {
  private readonly stops: string[];
  private buffer = '';

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((stop) => stop.length > 0);
  }

  /** Adds text; returns what can be emitted now and whether a stop string matched. */
  push(text: string): StopMatch {
    if (this.stops.length === 0) return { emit: text, stopped: false };
    this.buffer += text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.buffer.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      const emit = this.buffer.slice(0, cut);
      this.buffer = '';
      return { emit, stopped: true };
    }
    const held = this.heldSuffixLength();
    const emit = this.buffer.slice(0, this.buffer.length - held);
    this.buffer = this.buffer.slice(this.buffer.length - held);
    return { emit, stopped: false };
  }

  /** Releases held text once generation ended for another reason. */
  flush(): string {
    const rest = this.buffer;
    this.buffer = '';
    return rest;
  }

  // Length of the longest buffer suffix that is a proper prefix of some stop string.
  private heldSuffixLength(): number {
    let held = 0;
    for (const stop of this.stops) {
      for (let k = Math.min(stop.length - 1, this.buffer.length); k > held; k--) {
        if (this.buffer.endsWith(stop.slice(0, k))) {
          held = k;
          break;
        }
      }
    }
    return held;
  }
}
