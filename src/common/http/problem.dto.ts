import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class FieldErrorDto {
  @ApiProperty({ example: 'webhookUrl' })
  field: string;

  @ApiProperty({ example: 'must be a URL address' })
  message: string;
}

/** RFC 9457 problem details: the body of every error response (application/problem+json). */
export class ProblemDto {
  @ApiProperty({ example: 'urn:hookflow:problem:validation-failed' })
  type: string;

  @ApiProperty({ example: 'Bad Request' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'The request is invalid.' })
  detail: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];

  @ApiProperty({ example: '5b0c7f0e-6d1e-4a43-9b5a-2c0b8f8f3c11' })
  requestId: string;
}

export class UuidParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}
