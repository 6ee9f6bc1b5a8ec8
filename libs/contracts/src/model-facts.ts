/** What a GGUF file says about a model: read by workers, carried in heartbeats, used by the cost model. */
export interface ModelFacts {
  name: string;
  architecture: string;
  layers: number;
  parameters: number;
  /** File size (all parts of a split model). */
  bytes: number;
  /** e.g. 'Q8_0', 'F16', 'F32', 'Q4_K_M' (from general.file_type, else the dominant tensor type). */
  quantization: string;
  contextLength: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
  vocabSize: number;
  /** Bytes of each block's tensors (blk.N.*), index N. */
  layerBytes: number[];
  /** Bytes of every tensor outside the blocks: token_embd, output, output_norm... */
  nonLayerBytes: number;
  /** K and V for one token over all layers, at 2 bytes per element (F16 cache). */
  kvBytesPerToken: number;
  /** UTF-8 bytes of the vocabulary's longest token: no token covers more bytes of input. */
  maxTokenBytes?: number;
}
