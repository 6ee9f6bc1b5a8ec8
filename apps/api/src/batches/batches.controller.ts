import { CurrentCaller, type Caller } from '../auth/caller.js';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { BatchesService } from './batches.service.js';
import type { BatchDto, BatchListDto } from './dto/batch-object.dto.js';
import { CreateBatchDto } from './dto/create-batch.dto.js';
import { ListBatchesQueryDto } from './dto/list-batches-query.dto.js';

/** OpenAI's Batch API: requests from a JSONL file run as batch-class jobs. */
@Controller('v1/batches')
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  /**
   * Creates a batch from an uploaded file; it starts `validating`. A retry with the same
   * `Idempotency-Key` answers the first request's batch instead of creating a second.
   */
  @Post()
  @HttpCode(HttpStatus.OK)
  create(
    @Body() body: CreateBatchDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<BatchDto> {
    return this.batches.create(body, caller, idempotencyKey);
  }

  /** Batches, newest first, paged with `after` and `limit`. */
  @Get()
  list(
    @Query() query: ListBatchesQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BatchListDto> {
    return this.batches.list(query, caller);
  }

  /** One batch: status, timestamps, request counts, output and error files. */
  @Get(':id')
  get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<BatchDto> {
    return this.batches.get(id, caller);
  }

  /** Cancels the batch: `cancelling`, then `cancelled` once its running requests stopped. */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<BatchDto> {
    return this.batches.cancel(id, caller);
  }
}
