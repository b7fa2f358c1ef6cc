import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ci-deployer', maxLength: 200, description: 'What the key is for.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ci-deployer' })
  name: string;

  @ApiProperty({
    example: 'hf_admin_…x9Qa',
    description: 'Prefix and last characters; the key itself is never shown again.',
  })
  keyPreview: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({ description: 'The key. Shown only in this response; store it now.' })
  key: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyResponseDto] })
  items: ApiKeyResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor: string | null;
}
