import {
  residencyOf,
  type CacheState,
  type CostModel,
  type CostQuery,
  type ModelSpec,
  type PreemptionCosts,
} from '#switchyard/cost-model';

/**
 * The cost model's figures for one model on one device at one offload level, computed once per
 * placement: a loaded copy asks for them at every change of its batch, thousands of times a run.
 */
export class PlacementRates {
  /** Memory one copy takes from the worker's budget (GPU bytes on a GPU, host bytes on a CPU). */
  readonly memoryBytes: number;
  /** Decode step of one sequence with an empty cache (ms). */
  readonly decodeBaseMs: number;
  /** Extra step time per token of KV cache read in the step (ms): attention reads grow linearly. */
  readonly decodeMsPerKvToken: number;
  /**
   * Extra step time per extra sequence in a batch (ms): the cost model's decodeBatchExtra, its
   * sampling on a GPU, its own pass over the weights on a CPU (measured where the profile has it).
   */
  readonly batchSequenceMs: number;
  /** Bytes a load reads from storage or the page cache. */
  readonly loadBytesRead: number;
  /** Bytes a load uploads over the host link. */
  readonly loadBytesUploaded: number;
  private readonly query: CostQuery;
  private readonly prefillMs = new Map<number, number>();
  private readonly loadMs = new Map<CacheState, number>();

  constructor(
    private readonly costModel: CostModel,
    model: ModelSpec,
    device: string,
    gpuLayers: number,
    contextSize: number,
    threads: number,
  ) {
    this.query = { model, device, gpuLayers, contextSize, threads };
    const kind = costModel.device(device).kind;
    const memory = costModel.predictMemory(this.query);
    this.memoryBytes = kind === 'cpu' ? memory.hostBytes + memory.gpuBytes : memory.gpuBytes;
    this.decodeBaseMs = 1000 / costModel.predictDecodeTokensPerSecond(this.query, 0);
    // decode() adds the formula's attention time linearly in kvTokens; one probe gives the slope.
    const withContext = 1000 / costModel.predictDecodeTokensPerSecond(this.query, contextSize);
    this.decodeMsPerKvToken = (withContext - this.decodeBaseMs) / contextSize;
    this.batchSequenceMs = costModel.predictDecodeBatchExtraMs(this.query);
    this.loadBytesRead = model.fileBytes;
    this.loadBytesUploaded = residencyOf(model, gpuLayers, kind).gpuWeightBytes;
  }

  /** Decode step time (ms) of a batch of `sequences` holding `kvTokens` tokens of cache in all. */
  decodeStepMs(sequences: number, kvTokens: number): number {
    return (
      this.decodeBaseMs +
      this.decodeMsPerKvToken * kvTokens +
      this.batchSequenceMs * (sequences - 1)
    );
  }

  /** Prefill time per token (ms) of a prompt of `tokens` tokens (longer prompts attend to more). */
  prefillMsPerToken(tokens: number): number {
    let ms = this.prefillMs.get(tokens);
    if (ms === undefined) {
      ms = 1000 / this.costModel.predictPrefillTokensPerSecond(this.query, Math.max(1, tokens));
      this.prefillMs.set(tokens, ms);
    }
    return ms;
  }

  /** Load time (ms) from storage (cold) or the page cache (warm). */
  loadTimeMs(cache: CacheState): number {
    let ms = this.loadMs.get(cache);
    if (ms === undefined) {
      ms = this.costModel.predictLoadMs(this.query, cache);
      this.loadMs.set(cache, ms);
    }
    return ms;
  }

  /** The three preemption paths for a sequence of this length here. */
  preemptionCosts(promptTokens: number, generatedTokens: number): PreemptionCosts {
    return this.costModel.predictPreemptionCosts(this.query, { promptTokens, generatedTokens });
  }
}
