import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { ModelsModule } from '../models/models.module.js';
import { BatchCreator } from './batch-creator.js';
import { BatchFinalizer } from './batch-finalizer.js';
import { BatchRecorder } from './batch-recorder.js';
import { BatchStore } from './batch-store.js';
import { BatchTracker } from './batch-tracker.service.js';
import { BatchesController } from './batches.controller.js';
import { BatchesService } from './batches.service.js';

/** OpenAI's Batch API over the jobs queue, with the tracker that drives batches to their end. */
@Module({
  imports: [FilesModule, JobsModule, ModelsModule],
  controllers: [BatchesController],
  providers: [
    BatchStore,
    BatchesService,
    BatchCreator,
    BatchRecorder,
    BatchFinalizer,
    BatchTracker,
  ],
})
export class BatchesModule {}
