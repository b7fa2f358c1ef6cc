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
import {
  CreateEndpointApiKeyDto,
  CreatedEndpointApiKeyResponseDto,
  EndpointApiKeyPageDto,
  EndpointApiKeyParamDto,
} from './dto/endpoint-api-key.dto.js';
import { EndpointApiKeysService } from './endpoint-api-keys.service.js';

@AdminController('endpoints', 'Endpoints')
export class EndpointApiKeysController {
  constructor(private readonly keys: EndpointApiKeysService) {}

  @Post(':id/api-keys')
  @ApiOperation({
    operationId: 'createEndpointApiKey',
    summary: 'Create an X-Webhook-Key for an endpoint (shown once)',
  })
  @ApiCreatedResponse({ type: CreatedEndpointApiKeyResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  create(
    @Param() { id }: UuidParamDto,
    @Body() dto: CreateEndpointApiKeyDto,
  ): Promise<CreatedEndpointApiKeyResponseDto> {
    return this.keys.create(id, dto.name);
  }

  @Get(':id/api-keys')
  @ApiOperation({ operationId: 'listEndpointApiKeys', summary: 'List an endpoint’s X-Webhook-Key keys' })
  @ApiOkResponse({ type: EndpointApiKeyPageDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  list(@Param() { id }: UuidParamDto, @Query() query: PageQueryDto): Promise<EndpointApiKeyPageDto> {
    return this.keys.list(id, query.limit, query.cursor);
  }

  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteEndpointApiKey', summary: 'Revoke an endpoint’s X-Webhook-Key' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiNotFoundResponse({ type: ProblemDto })
  delete(@Param() { id, keyId }: EndpointApiKeyParamDto): Promise<void> {
    return this.keys.delete(id, keyId);
  }
}
