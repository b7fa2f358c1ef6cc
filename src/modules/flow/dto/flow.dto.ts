import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { FlowNodeDefinition, JsonObject } from '../engine/flow-definition.types.js';

export const MAX_FLOW_NODES = 500;
export const MAX_FLOW_INTENTS = 500;

const NODE_SCHEMA = {
  type: 'object' as const,
  additionalProperties: true,
  required: ['id', 'type'],
  properties: {
    id: { type: 'string', example: 'n1' },
    type: { type: 'string', example: 'say', description: 'say, question, if, lookup, code, addToContext, …' },
    next: { type: 'string', example: 'n2' },
  },
};

const NODES_DESCRIPTION =
  'The graph. Each node has a unique `id`, a `type` and the fields of that type; `next` names the node that ' +
  'follows (none ends the run). The whole graph is validated on save (422 naming the node).';

/** Only a present `null` fails: PATCH may omit a required field but not remove it. */
const unlessAbsent = ValidateIf((_object: object, value: unknown) => value !== undefined);
const notNull = IsDefined({ message: 'cannot be removed (null)' });

export class FlowIntentDto {
  @ApiProperty({ example: 'greet', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ type: [String], example: ['hi', 'hello there'], maxItems: 1000 })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(1000, { each: true })
  examples: string[];
}

/** A whole flow: the body of POST and PUT. */
export class FlowDefinitionDto {
  @ApiProperty({ example: 'Greeter', minLength: 1, maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'n1', description: 'The id of the node every new conversation starts at.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  startNodeId: string;

  @ApiProperty({
    type: 'array',
    items: NODE_SCHEMA,
    minItems: 1,
    maxItems: MAX_FLOW_NODES,
    description: NODES_DESCRIPTION,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FLOW_NODES)
  @IsObject({ each: true, message: 'each node must be an object' })
  nodes: FlowNodeDefinition[];

  @ApiPropertyOptional({ type: [FlowIntentDto], maxItems: MAX_FLOW_INTENTS, description: 'For the built-in NLU.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FLOW_INTENTS)
  @ValidateNested({ each: true })
  @Type(() => FlowIntentDto)
  intents?: FlowIntentDto[];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Minimum NLU score for an intent. Default: 0.4.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  intentThreshold?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: {},
    description: 'The context every new session starts with.',
  })
  @IsOptional()
  @IsObject()
  defaultContext?: JsonObject;
}

/**
 * PATCH body: a JSON merge patch (RFC 7396) of the flow. `null` removes a key (optional fields return to their
 * default); arrays such as `nodes` replace the stored array.
 */
export class UpdateFlowDto {
  @ApiPropertyOptional({ example: 'Greeter', minLength: 1, maxLength: 200 })
  @unlessAbsent
  @notNull
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'n1' })
  @unlessAbsent
  @notNull
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  startNodeId?: string;

  @ApiPropertyOptional({ type: 'array', items: NODE_SCHEMA, minItems: 1, maxItems: MAX_FLOW_NODES })
  @unlessAbsent
  @notNull
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FLOW_NODES)
  @IsObject({ each: true, message: 'each node must be an object' })
  nodes?: FlowNodeDefinition[];

  @ApiPropertyOptional({ type: [FlowIntentDto], nullable: true, maxItems: MAX_FLOW_INTENTS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FLOW_INTENTS)
  @ValidateNested({ each: true })
  @Type(() => FlowIntentDto)
  intents?: FlowIntentDto[] | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  intentThreshold?: number | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Merged into the stored context (a key set to null is removed).',
  })
  @IsOptional()
  @IsObject()
  defaultContext?: JsonObject | null;
}

export class FlowResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Greeter' })
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  defaultContext: JsonObject;

  @ApiProperty({ example: 0.4 })
  intentThreshold: number;

  @ApiProperty({ type: [FlowIntentDto] })
  intents: FlowIntentDto[];

  @ApiProperty({ example: 'n1' })
  startNodeId: string;

  @ApiProperty({ type: 'array', items: NODE_SCHEMA })
  nodes: FlowNodeDefinition[];

  @ApiProperty({ example: 1, description: 'Starts at 1 and rises by one with every change.' })
  version: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class FlowPageDto {
  @ApiProperty({ type: [FlowResponseDto] })
  items: FlowResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor: string | null;
}
