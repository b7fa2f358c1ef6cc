import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

function hasData(object: object): boolean {
  const data = (object as { data?: unknown }).data;
  return data !== undefined && data !== null;
}

@ValidatorConstraint({ name: 'textOrData' })
class TextOrDataRule implements ValidatorConstraintInterface {
  validate(text: unknown, args: ValidationArguments): boolean {
    return hasData(args.object) || (typeof text === 'string' && text.length > 0);
  }

  defaultMessage(): string {
    return 'must be a non-empty string unless data is sent';
  }
}

/**
 * What a channel POSTs to an endpoint URL (Cognigy-compatible field names). Rules run bottom-up and ingestion
 * reports the first one a field breaks, so the type check sits closest to each property.
 */
export class IngestMessageDto {
  @ApiProperty({ example: 'u1', minLength: 1, maxLength: 256 })
  @MaxLength(256)
  @IsNotEmpty()
  @IsString()
  userId: string;

  @ApiProperty({ example: 's1', minLength: 1, maxLength: 256 })
  @MaxLength(256)
  @IsNotEmpty()
  @IsString()
  sessionId: string;

  @ApiPropertyOptional({
    example: 'hello',
    maxLength: 10_000,
    description: 'Required (non-empty) unless `data` is sent.',
  })
  @ValidateIf((dto: IngestMessageDto) => dto.text !== undefined || !hasData(dto))
  @MaxLength(10_000)
  @Validate(TextOrDataRule)
  @IsString()
  text?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { k: 'v' },
    description: 'Any JSON object.',
  })
  @IsOptional()
  @IsObject()
  data?: Record<string, unknown>;
}

export class IngestAcceptedDto {
  @ApiProperty({ enum: ['accepted', 'dropped'], example: 'accepted' })
  status: 'accepted' | 'dropped';

  @ApiPropertyOptional({ format: 'uuid', description: 'Present when accepted.' })
  messageId?: string;
}
