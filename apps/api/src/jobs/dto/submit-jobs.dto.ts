import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';

/** The most jobs one `POST /v1/jobs/batch` may carry. */
export const MAX_INLINE_JOBS = 10_000;

/**
 * The body of `POST /v1/jobs/batch`: requests shaped like `POST /v1/jobs` bodies. Each item is
 * validated on its own, so one bad item is refused without refusing the others.
 */
export class SubmitJobsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_INLINE_JOBS)
  @ApiProperty({
    type: 'array',
    items: { $ref: '#/components/schemas/CreateJobDto' },
    minItems: 1,
    maxItems: MAX_INLINE_JOBS,
    description: 'Bodies like those of POST /v1/jobs, each accepted or refused on its own',
  })
  jobs: unknown[];
}
