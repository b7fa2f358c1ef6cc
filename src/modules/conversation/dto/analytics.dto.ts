import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional } from 'class-validator';

export class AnalyticsQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Start (inclusive). Default: 30 days before `to`.' })
  @IsOptional()
  @IsDateString()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End (exclusive). Default: now.' })
  @IsOptional()
  @IsDateString()
  to?: string;
}

export class DeliveriesByStatusDto {
  @ApiProperty({ example: 0 })
  pending: number;

  @ApiProperty({ example: 41 })
  delivered: number;

  @ApiProperty({ example: 1 })
  dead: number;
}

export class LatencyPercentilesDto {
  @ApiProperty({ example: 35.2 })
  p50: number;

  @ApiProperty({ example: 120 })
  p95: number;

  @ApiProperty({ example: 480.5 })
  p99: number;
}

export class IntentCountDto {
  @ApiProperty({ example: 'greet' })
  intent: string;

  @ApiProperty({ example: 12 })
  count: number;
}

export class AnalyticsDto {
  @ApiProperty({ format: 'date-time' })
  from: string;

  @ApiProperty({ format: 'date-time' })
  to: string;

  @ApiProperty({ example: 42, description: 'User and inject inputs recorded (endpoints with useAnalytics).' })
  inputs: number;

  @ApiProperty({ example: 57, description: 'Outputs recorded, notify outputs included.' })
  outputs: number;

  @ApiProperty({ example: 9, description: 'Distinct conversations (userId + sessionId) with a recorded event.' })
  sessions: number;

  @ApiProperty({ example: 7, description: 'Distinct users with a recorded event.' })
  users: number;

  @ApiProperty({ type: DeliveriesByStatusDto, description: 'Outputs created in the range, by delivery status.' })
  deliveries: DeliveriesByStatusDto;

  @ApiProperty({
    type: LatencyPercentilesDto,
    nullable: true,
    description: 'Milliseconds from output creation to successful delivery; null when nothing was delivered.',
  })
  deliveryLatencyMs: LatencyPercentilesDto | null;

  @ApiProperty({ type: [IntentCountDto], description: 'The 10 most frequent intents of inputs, most frequent first.' })
  topIntents: IntentCountDto[];
}
