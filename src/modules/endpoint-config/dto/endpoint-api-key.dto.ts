import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';

export class EndpointApiKeyParamDto {
  @ApiProperty({ format: 'uuid', description: 'The endpoint id.' })
  @IsUUID()
  id: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  keyId: string;
}

export class CreateEndpointApiKeyDto {
  @ApiProperty({ example: 'mobile app', maxLength: 200, description: 'Who uses the key.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

export class EndpointApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  endpointId: string;

  @ApiProperty({ example: 'mobile app' })
  name: string;

  @ApiProperty({
    example: 'hf_ep_…x9Qa',
    description: 'Prefix and last characters; the key itself is never shown again.',
  })
  keyPreview: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CreatedEndpointApiKeyResponseDto extends EndpointApiKeyResponseDto {
  @ApiProperty({ description: 'The key, for the `X-Webhook-Key` header. Shown only in this response; store it now.' })
  key: string;
}

export class EndpointApiKeyPageDto {
  @ApiProperty({ type: [EndpointApiKeyResponseDto] })
  items: EndpointApiKeyResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor: string | null;
}
