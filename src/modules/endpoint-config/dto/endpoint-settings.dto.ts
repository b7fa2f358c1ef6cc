import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { DEFAULT_DELIVERY, TRANSFORMER_CODE_MAX_LENGTH } from '../endpoint-settings.js';

/*
 * The settings groups as they are written (create and PATCH). Every key is optional, and `null` means "the
 * default": on create a missing key takes its default, on PATCH a `null` resets the key (JSON merge patch).
 * Defaults are stated in descriptions, not as OpenAPI `default`: generators (openapi-typescript) make a field with
 * a `default` required, which would force clients to send every key.
 */

const finite = { allowNaN: false, allowInfinity: false };

export class DataProtectionInputDto {
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: true.' })
  @IsOptional()
  @IsBoolean()
  useAnalytics?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: true.' })
  @IsOptional()
  @IsBoolean()
  useConversations?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  maskIPAddress?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  maskAnalytics?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  maskLogging?: boolean | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: 3650, description: 'Default: 30.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  retentionDays?: number | null;
}

export class TransformerInputDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: TRANSFORMER_CODE_MAX_LENGTH,
    example: 'createWebhookTransformer({ handleInput: async ({ request }) => request.body });',
    description: 'TypeScript or JavaScript ending in `createWebhookTransformer({ ... })`. Default: empty.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(TRANSFORMER_CODE_MAX_LENGTH)
  code?: string | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  abortOnError?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  enableInput?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  enableOutput?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  enableExecutionFinished?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  enableInject?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Default: false.' })
  @IsOptional()
  @IsBoolean()
  enableNotify?: boolean | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 100, maximum: 5000, description: 'Default: 5000.' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(5000)
  timeoutMs?: number | null;
}

export class DeliveryInputDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 100,
    maximum: 60000,
    description: 'Default: 10000.',
  })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  timeoutMs?: number | null;

  @ApiPropertyOptional({
    type: [Number],
    nullable: true,
    maxItems: 20,
    example: DEFAULT_DELIVERY.retrySchedule,
    description:
      'Seconds before each retry (0..604800 each); k entries allow k + 1 attempts; ±20 % jitter applies. ' +
      `Default: [${DEFAULT_DELIVERY.retrySchedule.join(', ')}].`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsNumber(finite, { each: true })
  @Min(0, { each: true })
  @Max(604_800, { each: true })
  retrySchedule?: number[] | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 256,
    description: `Deliveries to this webhook in flight at once (across sessions; one per session). Default: ${DEFAULT_DELIVERY.maxConcurrency}.`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  maxConcurrency?: number | null;
}

export class RateLimitInputDto {
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 100000,
    description: 'Messages per second accepted on the endpoint URL; null: unlimited.',
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(1)
  @Max(100_000)
  perSecond?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 100000,
    description: 'How many messages may arrive at once; null: ceil(perSecond).',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  burst?: number | null;
}
