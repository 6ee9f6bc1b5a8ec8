import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { OpenAiException } from '../common/openai-error.js';
import type { ModelDto, ModelListDto } from './dto/model-list.dto.js';
import { ModelsService } from './models.service.js';

@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Lists the models this fleet serves (OpenAI-compatible, with GGUF metadata). */
  @Get()
  list(): Promise<ModelListDto> {
    return this.models.list();
  }

  /** One model (OpenAI-compatible, with GGUF metadata); 404 `model_not_found`. */
  @Get(':id')
  async get(@Param('id') id: string): Promise<ModelDto> {
    try {
      return await this.models.get(id);
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
      throw new OpenAiException(404, `The model '${id}' does not exist`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
  }
}
