import { ApiProperty } from '@nestjs/swagger';
import {
  AUTH_METHODS,
  type AuthMethod,
  DEFAULT_DELIVERY,
  NLU_CONNECTORS,
  type NluConnector,
} from '../endpoint-settings.js';

export class DataProtectionDto {
  @ApiProperty({ example: true })
  useAnalytics: boolean;

  @ApiProperty({ example: true })
  useConversations: boolean;

  @ApiProperty({ example: false })
  maskIPAddress: boolean;

  @ApiProperty({ example: false })
  maskAnalytics: boolean;

  @ApiProperty({ example: false })
  maskLogging: boolean;

  @ApiProperty({ type: 'integer', example: 30 })
  retentionDays: number;
}

export class TransformerDto {
  @ApiProperty({ example: '' })
  code: string;

  @ApiProperty({ example: false })
  abortOnError: boolean;

  @ApiProperty({ example: false })
  enableInput: boolean;

  @ApiProperty({ example: false })
  enableOutput: boolean;

  @ApiProperty({ example: false })
  enableExecutionFinished: boolean;

  @ApiProperty({ example: false })
  enableInject: boolean;

  @ApiProperty({ example: false })
  enableNotify: boolean;

  @ApiProperty({ type: 'integer', example: 5000 })
  timeoutMs: number;
}

export class DeliveryDto {
  @ApiProperty({ type: 'integer', example: 10000 })
  timeoutMs: number;

  @ApiProperty({ type: [Number], example: DEFAULT_DELIVERY.retrySchedule })
  retrySchedule: number[];

  @ApiProperty({ type: 'integer', example: 16 })
  maxConcurrency: number;
}

export class RateLimitDto {
  @ApiProperty({ type: Number, nullable: true, example: null, description: 'null: unlimited.' })
  perSecond: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: null, description: 'null: ceil(perSecond).' })
  burst: number | null;
}

export class EndpointResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Support bot' })
  name: string;

  @ApiProperty({ format: 'uuid' })
  flowId: string;

  @ApiProperty({ example: true })
  active: boolean;

  @ApiProperty({ example: 'c0ffee…', description: '64 hex characters; the secret part of `endpointUrl`.' })
  URLToken: string;

  @ApiProperty({ example: 'http://localhost:3000/endpoint/c0ffee…', description: 'Where clients POST messages.' })
  endpointUrl: string;

  @ApiProperty({ example: 'https://example.com/hook' })
  webhookUrl: string;

  @ApiProperty({ type: String, nullable: true, example: 'bot' })
  basicAuthUser: string | null;

  @ApiProperty({ description: 'Whether a basic-auth password is stored (it is never returned).' })
  basicAuthPasswordSet: boolean;

  @ApiProperty({ enum: AUTH_METHODS })
  authMethod: AuthMethod;

  @ApiProperty({ enum: NLU_CONNECTORS })
  nluConnector: NluConnector;

  @ApiProperty({ type: DataProtectionDto })
  dataProtection: DataProtectionDto;

  @ApiProperty({ type: TransformerDto })
  transformer: TransformerDto;

  @ApiProperty({ type: DeliveryDto })
  delivery: DeliveryDto;

  @ApiProperty({ type: RateLimitDto })
  rateLimit: RateLimitDto;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

/** Create and rotate-secret: the only responses that carry the signing secret. */
export class EndpointWithSecretResponseDto extends EndpointResponseDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Standard Webhooks signing secret. Shown only in this response; store it now.',
  })
  signingSecret: string;
}

export class EndpointPageDto {
  @ApiProperty({ type: [EndpointResponseDto] })
  items: EndpointResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor: string | null;
}
