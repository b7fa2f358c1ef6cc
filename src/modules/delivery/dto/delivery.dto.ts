import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination.js';

const STATUSES = ['pending', 'delivered', 'dead'] as const;

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ description: 'Only this conversation.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  sessionId?: string;
}

export class RetryDeadDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Only deliveries created at or after this time.' })
  @IsOptional()
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only deliveries created before this time.' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class DeliveryAttemptDto {
  @ApiProperty({ example: 1 })
  attempt: number;

  @ApiProperty({ format: 'date-time' })
  startedAt: string;

  @ApiProperty({ example: 12 })
  durationMs: number;

  @ApiProperty({ type: Number, nullable: true, example: 500, description: 'Null when no response arrived.' })
  statusCode: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'HTTP 500' })
  error: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'First 4 KB of the response body.' })
  responseBody: string | null;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'The output id, sent as `webhook-id`.' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  endpointId: string;

  @ApiProperty()
  userId: string;

  @ApiProperty()
  sessionId: string;

  @ApiProperty({ example: 1 })
  sequence: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The message that produced it; null for notify.',
  })
  inputId: string | null;

  @ApiProperty({ enum: STATUSES })
  status: string;

  @ApiProperty({ example: 1 })
  attemptCount: number;

  @ApiProperty({ format: 'date-time', description: 'When the next attempt is due (pending only).' })
  nextAttemptAt: string;

  @ApiProperty({ type: Number, nullable: true })
  lastStatusCode: number | null;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt: string | null;
}

export class DeliveryDetailDto extends DeliveryDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The webhook body as sent.' })
  body: unknown;

  @ApiProperty({ type: [DeliveryAttemptDto] })
  attempts: DeliveryAttemptDto[];
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] })
  items: DeliveryDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class RetryDeadResultDto {
  @ApiProperty({ example: 3, description: 'How many dead deliveries were queued again.' })
  retried: number;
}
