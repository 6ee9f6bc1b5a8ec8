/** One server-sent event: `comment` alone is a keep-alive line. */
export interface ServerSentEvent {
  event?: 'phase' | 'token' | 'end' | 'error';
  /** Stream id of the entry, so a client can resume with Last-Event-ID. */
  id?: string;
  data?: unknown;
  comment?: string;
}

/** Data of `event: phase`. */
export interface PhaseEventDto {
  phase: string;
  worker: string | null;
  at: number;
}

/** Data of `event: token`. */
export interface TokenEventDto {
  text: string;
  completion_tokens: number;
}
