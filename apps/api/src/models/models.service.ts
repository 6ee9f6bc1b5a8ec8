import { Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { ModelRegistry, type ModelInfo } from '#switchyard/gguf';
import { ApiEnv } from '../config/api-env.js';
import type { ModelDto, ModelListDto } from './dto/model-list.dto.js';

/** The models this fleet serves, read from MODELS_DIR (and MODELS_MANIFEST) GGUF headers. */
@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly logger = new Logger(ModelsService.name);
  private registry: ModelRegistry;
  private rescan?: Promise<ModelRegistry>;

  constructor(private readonly env: ApiEnv) {}

  async onModuleInit(): Promise<void> {
    await this.scan();
  }

  /**
   * The model called `name`. On a miss the folder is scanned again once, so a model added after
   * start-up is found. Throws NotFoundException naming the available models.
   */
  async require(name: string): Promise<ModelInfo> {
    const known = this.registry.get(name);
    if (known) return known;
    const model = (await this.scan()).get(name);
    if (model) return model;
    const names = this.registry.names();
    throw new NotFoundException(
      names.length === 0
        ? `model "${name}" not found; no models are available`
        : `model "${name}" not found; available models: ${names.join(', ')}`,
    );
  }

  /** Every model, in the shape of OpenAI's model list. */
  async list(): Promise<ModelListDto> {
    const data = await Promise.all(this.registry.list().map((model) => this.toDto(model)));
    return { object: 'list', data };
  }

  /** One model in the shape of OpenAI's model object; throws NotFoundException like `require`. */
  async get(name: string): Promise<ModelDto> {
    return this.toDto(await this.require(name));
  }

  /** Scans the models folder; concurrent callers share one scan. */
  private scan(): Promise<ModelRegistry> {
    this.rescan ??= ModelRegistry.scan(this.env.MODELS_DIR, {
      manifestPath: this.env.MODELS_MANIFEST,
    })
      .then((registry) => {
        for (const problem of registry.problems) this.logger.warn(problem);
        this.registry = registry;
        return registry;
      })
      .finally(() => (this.rescan = undefined));
    return this.rescan;
  }

  private async toDto(model: ModelInfo): Promise<ModelDto> {
    const created = await stat(model.path).then(
      (stats) => Math.floor(stats.mtimeMs / 1000),
      () => 0,
    );
    return {
      id: model.name,
      object: 'model',
      created,
      owned_by: 'switchyard',
      layers: model.layers,
      parameters: model.parameters,
      bytes: model.bytes,
      quantization: model.quantization,
      context_length: model.contextLength,
    };
  }
}
