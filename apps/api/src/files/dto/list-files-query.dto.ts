import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** Query of `GET /v1/files`. */
export class ListFilesQueryDto {
  @IsOptional()
  @IsString()
  @ApiPropertyOptional({ description: 'The last file id of the previous page' })
  after?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  @ApiPropertyOptional({ minimum: 1, maximum: 10_000, default: 10_000 })
  limit: number = 10_000;

  @IsOptional()
  @IsString()
  @ApiPropertyOptional({ example: 'batch' })
  purpose?: string;

  @IsOptional()
  @IsIn(['asc', 'desc'])
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  order: 'asc' | 'desc' = 'desc';
}
