import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AUTH_METHODS, type AuthMethod, NLU_CONNECTORS, type NluConnector } from '../endpoint-settings.js';
import {
  DataProtectionInputDto,
  DeliveryInputDto,
  RateLimitInputDto,
  TransformerInputDto,
} from './endpoint-settings.dto.js';
import { IsHttpUrl } from './is-http-url.validator.js';

/**
 * An optional settings group: a nested object checked by its own DTO (unknown keys refused there too). The
 * decorators are listed in the order stacked decorators apply (bottom-up), so rules run as they did when written out.
 */
function SettingsGroup(type: new () => object, swagger: Omit<ApiPropertyOptions, 'type'> = {}): PropertyDecorator {
  return applyDecorators(
    Type(() => type),
    ValidateNested(),
    IsObject(),
    IsOptional(),
    ApiPropertyOptional({ type, ...swagger } as ApiPropertyOptions),
  );
}

/** Only a present `null` fails: PATCH may omit a required field but not remove it. */
const unlessAbsent = ValidateIf((_object: object, value: unknown) => value !== undefined);
const notNull = IsDefined({ message: 'cannot be removed (null)' });

const WEBHOOK_URL_DESCRIPTION =
  'Where outputs are POSTed. Checked on save against the SSRF guard (no loopback, private, link-local or metadata ' +
  'addresses unless WEBHOOK_ALLOWED_HOSTS lists the host).';

export class CreateEndpointDto {
  @ApiProperty({ example: 'Support bot', minLength: 1, maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ format: 'uuid', description: 'The flow that processes this endpoint’s messages.' })
  @IsUUID()
  flowId: string;

  @ApiPropertyOptional({ type: Boolean, description: 'An inactive endpoint answers 403 on its URL. Default: true.' })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;

  @ApiProperty({ example: 'https://example.com/hook', maxLength: 2048, description: WEBHOOK_URL_DESCRIPTION })
  @IsString()
  @MaxLength(2048)
  @IsHttpUrl()
  webhookUrl: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256, example: 'bot' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  basicAuthUser?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 256,
    writeOnly: true,
    description: 'Write-only: stored encrypted, never returned (see `basicAuthPasswordSet`).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  basicAuthPassword?: string | null;

  @ApiPropertyOptional({ enum: AUTH_METHODS, description: '`apiKey`: callers send `X-Webhook-Key`. Default: none.' })
  @IsOptional()
  @IsIn(AUTH_METHODS)
  authMethod?: AuthMethod | null;

  @ApiPropertyOptional({ enum: NLU_CONNECTORS, description: 'Default: builtin.' })
  @IsOptional()
  @IsIn(NLU_CONNECTORS)
  nluConnector?: NluConnector | null;

  @SettingsGroup(DataProtectionInputDto)
  dataProtection?: DataProtectionInputDto | null;

  @SettingsGroup(TransformerInputDto)
  transformer?: TransformerInputDto | null;

  @SettingsGroup(DeliveryInputDto)
  delivery?: DeliveryInputDto | null;

  @SettingsGroup(RateLimitInputDto, { description: 'Ingestion rate limit (429 + Retry-After past it).' })
  rateLimit?: RateLimitInputDto | null;
}

/**
 * PATCH body: a JSON merge patch (RFC 7396). Nested objects merge key by key; `null` resets a key to its default
 * (`basicAuthUser`/`basicAuthPassword`: clears it; a whole group: all its defaults). `name`, `flowId` and
 * `webhookUrl` cannot be removed.
 */
export class UpdateEndpointDto {
  @ApiPropertyOptional({ example: 'Support bot', minLength: 1, maxLength: 200 })
  @unlessAbsent
  @notNull
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @unlessAbsent
  @notNull
  @IsUUID()
  flowId?: string;

  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;

  @ApiPropertyOptional({ example: 'https://example.com/hook', maxLength: 2048, description: WEBHOOK_URL_DESCRIPTION })
  @unlessAbsent
  @notNull
  @IsString()
  @MaxLength(2048)
  @IsHttpUrl()
  webhookUrl?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  basicAuthUser?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 256,
    writeOnly: true,
    description: 'null clears it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  basicAuthPassword?: string | null;

  @ApiPropertyOptional({ enum: AUTH_METHODS, nullable: true })
  @IsOptional()
  @IsIn(AUTH_METHODS)
  authMethod?: AuthMethod | null;

  @ApiPropertyOptional({ enum: NLU_CONNECTORS, nullable: true })
  @IsOptional()
  @IsIn(NLU_CONNECTORS)
  nluConnector?: NluConnector | null;

  @SettingsGroup(DataProtectionInputDto, { nullable: true })
  dataProtection?: DataProtectionInputDto | null;

  @SettingsGroup(TransformerInputDto, { nullable: true })
  transformer?: TransformerInputDto | null;

  @SettingsGroup(DeliveryInputDto, { nullable: true })
  delivery?: DeliveryInputDto | null;

  @SettingsGroup(RateLimitInputDto, { nullable: true })
  rateLimit?: RateLimitInputDto | null;
}
