import { CurrentCaller, type Caller } from '../auth/caller.js';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { FileDeletedDto, FileListDto, FileObjectDto } from './dto/file-object.dto.js';
import { ListFilesQueryDto } from './dto/list-files-query.dto.js';
import { FilesService } from './files.service.js';

/** OpenAI's Files API for batch input and output files. */
@Controller('v1/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /**
   * Uploads a JSONL file (multipart: `file`, `purpose=batch`), streamed to FILES_DIR. A refused
   * upload closes the connection, so the rest of a large body is not read.
   */
  @Post()
  @HttpCode(HttpStatus.OK)
  async upload(
    @Req() request: Request,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ): Promise<FileObjectDto> {
    try {
      return await this.files.upload(request, caller);
    } catch (error) {
      if (!request.complete) response.setHeader('connection', 'close');
      throw error;
    }
  }

  /** Files, newest first, paged with `after` and `limit`. */
  @Get()
  list(@Query() query: ListFilesQueryDto, @CurrentCaller() caller: Caller): Promise<FileListDto> {
    return this.files.list(query, caller);
  }

  /** One file object. */
  @Get(':id')
  get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<FileObjectDto> {
    return this.files.get(id, caller);
  }

  /** The file's content, streamed from disk. */
  @Get(':id/content')
  async content(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    const { file, stream } = await this.files.content(id, caller);
    response.status(200);
    response.setHeader('content-type', 'application/octet-stream');
    response.setHeader('content-length', String(file.bytes));
    response.setHeader(
      'content-disposition',
      `attachment; filename="${file.filename.replace(/"/g, '')}"`,
    );
    await pipeline(stream, response);
  }

  /** Deletes the file and its content. */
  @Delete(':id')
  delete(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<FileDeletedDto> {
    return this.files.delete(id, caller);
  }
}
