import { Controller, Get } from '@nestjs/common';
import type { ModelListDto } from './dto/model-list.dto.js';
import { ModelsService } from './models.service.js';

@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Lists the models this fleet serves (OpenAI-compatible, with GGUF metadata). */
  @Get()
  list(): Promise<ModelListDto> {
    return this.models.list();
  }
}
