import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { OpenAiCompletionsController } from './openai-completions.controller.js';
import { OpenAiCompletionsService } from './openai-completions.service.js';

/** OpenAI's chat and text completions over the jobs queue (models: ModelsModule; batches: BatchesModule). */
@Module({
  imports: [JobsModule],
  controllers: [OpenAiCompletionsController],
  providers: [OpenAiCompletionsService],
})
export class OpenAiModule {}
