/** One model in `GET /v1/models`: OpenAI's fields plus what the GGUF header says. */
export interface ModelDto {
  id: string;
  object: 'model';
  /** File modification time, epoch seconds (0 when unknown). */
  created: number;
  owned_by: 'switchyard';
  layers: number;
  parameters: number;
  bytes: number;
  quantization: string;
  context_length: number;
}

/** `GET /v1/models`, OpenAI-compatible. */
export interface ModelListDto {
  object: 'list';
  data: ModelDto[];
}
