import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import { PageQueryDto } from '../../common/pagination/pagination.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyResponseDto } from './dto/api-key.dto.js';

@AdminController('api-keys', 'API keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an admin API key (shown once)' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    return this.apiKeys.create(dto.name);
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: 'List admin API keys' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  list(@Query() query: PageQueryDto): Promise<ApiKeyPageDto> {
    return this.apiKeys.list(query.limit, query.cursor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteApiKey', summary: 'Revoke an admin API key' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiNotFoundResponse({ type: ProblemDto })
  delete(@Param() { id }: UuidParamDto): Promise<void> {
    return this.apiKeys.delete(id);
  }
}
