import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** Query of `GET /v1/batches`. */
export class ListBatchesQueryDto {
  @IsOptional()
  @IsString()
  @ApiPropertyOptional({ description: 'The last batch id of the previous page' })
  after?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  limit: number = 20;
}
