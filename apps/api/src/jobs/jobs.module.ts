import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module.js';
import { JobEventsService } from './job-events.service.js';
import { JobsController } from './jobs.controller.js';
import { PromptFit } from './prompt-fit.js';
import { JobsService } from './jobs.service.js';

@Module({
  imports: [ModelsModule],
  controllers: [JobsController],
  providers: [JobsService, JobEventsService, PromptFit],
  exports: [JobsService, JobEventsService, PromptFit],
})
export class JobsModule {}
