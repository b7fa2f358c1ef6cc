import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { TRANSFORMER_CODE_MAX_LENGTH } from '../../endpoint-config/endpoint-settings.js';
import { HOOK_NAMES, type ConsoleLevel, type HookName, type RunErrorKind } from '../transformer.types.js';

const ANY_JSON = 'Any JSON value.';
/** An OpenAPI schema for "any JSON value" (a bare `unknown` property would be documented as an object). */
const ANY_JSON_SCHEMA = {
  nullable: true,
  oneOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
  ],
};

/** A dry run of one transformer function. */
export class TransformerTestDto {
  @ApiProperty({ enum: HOOK_NAMES, example: 'handleInput' })
  @IsIn(HOOK_NAMES)
  function: HookName;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { request: { method: 'POST', path: '/', query: {}, headers: {}, body: { text: 'hi' } } },
    description:
      'The function’s argument (see CONTRACT.md, Transformers). `endpoint` is filled in from the endpoint ' +
      'unless given; `response` is provided to input, inject and notify. Default: {}.',
  })
  @IsOptional()
  @IsObject()
  args?: Record<string, unknown>;

  @ApiPropertyOptional({
    maxLength: TRANSFORMER_CODE_MAX_LENGTH,
    description: 'Unsaved code to test instead of the endpoint’s stored code.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(TRANSFORMER_CODE_MAX_LENGTH)
  code?: string;
}

export class ConsoleLineDto {
  @ApiProperty({ enum: ['log', 'info', 'warn', 'error', 'debug'] })
  level: ConsoleLevel;

  @ApiProperty({ example: 'received a message' })
  message: string;
}

export class TransformerRunErrorDto {
  @ApiProperty({ example: "TypeError: cannot read property 'text' of undefined" })
  message: string;

  @ApiPropertyOptional({ type: 'integer', description: '1-based line in the user’s source, when known.' })
  line?: number;

  @ApiPropertyOptional({ type: 'integer', description: '1-based column in the user’s source, when known.' })
  column?: number;

  @ApiProperty({ enum: ['error', 'timeout', 'memory'] })
  kind: RunErrorKind;
}

export class CapturedResponseDto {
  @ApiProperty({ description: 'Whether the function answered the HTTP request itself.' })
  sent: boolean;

  @ApiProperty({ type: 'integer', example: 200 })
  statusCode: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Lower-case names.' })
  headers: Record<string, string>;

  @ApiPropertyOptional({ ...ANY_JSON_SCHEMA, description: ANY_JSON })
  body?: unknown;
}

export class SessionStorageWriteDto {
  @ApiProperty()
  userId: string;

  @ApiProperty()
  sessionId: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  value: Record<string, unknown>;
}

export class TransformerTestResultDto {
  @ApiProperty({ description: 'False when the code failed to compile or the function threw or hit a limit.' })
  ok: boolean;

  @ApiPropertyOptional({ description: 'With ok: whether the code defines the function (false: nothing ran).' })
  hookPresent?: boolean;

  @ApiPropertyOptional({ ...ANY_JSON_SCHEMA, description: `The return value (absent when undefined). ${ANY_JSON}` })
  value?: unknown;

  @ApiPropertyOptional({ type: CapturedResponseDto, description: 'For handleInput, handleInject and handleNotify.' })
  response?: CapturedResponseDto;

  @ApiPropertyOptional({
    type: [SessionStorageWriteDto],
    description: 'Session storage the run changed. A dry run does not save it.',
  })
  sessionStorageWrites?: SessionStorageWriteDto[];

  @ApiPropertyOptional({ type: TransformerRunErrorDto, description: 'Set when ok is false.' })
  error?: TransformerRunErrorDto;

  @ApiProperty({ type: [ConsoleLineDto] })
  console: ConsoleLineDto[];

  @ApiProperty({ example: 1.7 })
  durationMs: number;
}
