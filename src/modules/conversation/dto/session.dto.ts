import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '../../../common/pagination/pagination.js';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';

export class ListSessionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only this user’s sessions.' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  userId?: string;
}

export class SessionParamsDto {
  @ApiProperty({ format: 'uuid', description: 'Endpoint id.' })
  @IsUUID()
  id: string;

  @ApiProperty({ description: 'The conversation’s sessionId.' })
  @IsString()
  @Length(1, 256)
  sessionId: string;
}

export class SessionQueryDto {
  @ApiPropertyOptional({
    description: 'The conversation’s userId; may be left out when only one user has this sessionId (else 409).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  userId?: string;
}

/** GET one session: `limit`/`cursor` page its transcript. */
export class GetSessionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'The conversation’s userId; may be left out when only one user has this sessionId (else 409).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  userId?: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  endpointId: string;

  @ApiProperty({ example: 'u1' })
  userId: string;

  @ApiProperty({ example: 's1' })
  sessionId: string;

  @ApiProperty({ example: 4, description: 'Sequence number of the session’s last output (0: none yet).' })
  lastSequence: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class SessionPageDto {
  @ApiProperty({ type: [SessionDto] })
  items: SessionDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class TranscriptEntryDto {
  @ApiProperty({ format: 'uuid', description: 'The message id (input) or output id (= `webhook-id`).' })
  id: string;

  @ApiProperty({ enum: ['input', 'output'] })
  direction: string;

  @ApiProperty({ enum: ['user', 'inject', 'bot', 'notify'] })
  source: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Outputs: the input they answer.' })
  inputId: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Outputs: their delivery sequence number.' })
  sequence: number | null;

  @ApiProperty({ type: String, nullable: true })
  text: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  data: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true, description: 'Inputs: the intent the NLU found.' })
  intent: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Inputs: the client IP (masked with maskIPAddress).' })
  clientIp: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class TranscriptPageDto {
  @ApiProperty({ type: [TranscriptEntryDto] })
  items: TranscriptEntryDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class SessionDetailDto extends SessionDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The flow engine’s state: context, profile, position, question in progress.',
  })
  state: unknown;

  @ApiProperty({
    type: TranscriptPageDto,
    description: 'Inputs and outputs, oldest first; empty when the endpoint does not store conversations.',
  })
  transcript: TranscriptPageDto;
}
