import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';

/** Query of `GET /v1/fleet`. */
export class FleetQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @ApiPropertyOptional({
    description:
      'Epoch ms: only queue-depth samples taken after it (a poller passes the newest it has)',
    example: 1764288000000,
  })
  since?: number;
}
