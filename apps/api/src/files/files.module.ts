import { Module } from '@nestjs/common';
import { FileStore } from './file-store.js';
import { FilesController } from './files.controller.js';
import { FilesService } from './files.service.js';

/** OpenAI's Files API over FILES_DIR (content) and Redis (records). */
@Module({
  controllers: [FilesController],
  providers: [FileStore, FilesService],
  exports: [FileStore, FilesService],
})
export class FilesModule {}
