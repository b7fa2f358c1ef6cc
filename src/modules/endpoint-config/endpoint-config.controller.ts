import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import { PageQueryDto } from '../../common/pagination/pagination.js';
import { CreateEndpointDto, UpdateEndpointDto } from './dto/endpoint.dto.js';
import { EndpointPageDto, EndpointResponseDto, EndpointWithSecretResponseDto } from './dto/endpoint-response.dto.js';
import { EndpointConfigService } from './endpoint-config.service.js';

const BAD_INPUT = 'Invalid fields, an unknown `flowId`, or a `webhookUrl` the SSRF guard refuses; `errors` names each.';
const BAD_CODE = 'The transformer code does not compile: `errors[0]` names `transformer.code` with line and column.';

@AdminController('endpoints', 'Endpoints')
export class EndpointConfigController {
  constructor(private readonly endpoints: EndpointConfigService) {}

  @Post()
  @ApiOperation({ operationId: 'createEndpoint', summary: 'Create an endpoint (returns its signing secret once)' })
  @ApiCreatedResponse({ type: EndpointWithSecretResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: BAD_INPUT })
  @ApiUnprocessableEntityResponse({ type: ProblemDto, description: BAD_CODE })
  create(@Body() dto: CreateEndpointDto): Promise<EndpointWithSecretResponseDto> {
    return this.endpoints.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listEndpoints', summary: 'List endpoints (oldest first)' })
  @ApiOkResponse({ type: EndpointPageDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  list(@Query() query: PageQueryDto): Promise<EndpointPageDto> {
    return this.endpoints.list(query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getEndpoint', summary: 'Get an endpoint' })
  @ApiOkResponse({ type: EndpointResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param() { id }: UuidParamDto): Promise<EndpointResponseDto> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateEndpoint',
    summary: 'Change an endpoint (JSON merge patch)',
    description: 'Nested objects merge key by key; `null` resets a key to its default or clears a credential.',
  })
  @ApiOkResponse({ type: EndpointResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: BAD_INPUT })
  @ApiUnprocessableEntityResponse({ type: ProblemDto, description: BAD_CODE })
  @ApiNotFoundResponse({ type: ProblemDto })
  update(@Param() { id }: UuidParamDto, @Body() dto: UpdateEndpointDto): Promise<EndpointResponseDto> {
    return this.endpoints.patch(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteEndpoint', summary: 'Delete an endpoint and everything stored for it' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ type: ProblemDto })
  delete(@Param() { id }: UuidParamDto): Promise<void> {
    return this.endpoints.delete(id);
  }

  @Post(':id/rotate-token')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rotateEndpointToken',
    summary: 'Issue a new URL token (the old endpoint URL stops working)',
  })
  @ApiOkResponse({ type: EndpointResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  rotateToken(@Param() { id }: UuidParamDto): Promise<EndpointResponseDto> {
    return this.endpoints.rotateToken(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateEndpointSecret', summary: 'Issue a new signing secret (returned only here)' })
  @ApiOkResponse({ type: EndpointWithSecretResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  rotateSecret(@Param() { id }: UuidParamDto): Promise<EndpointWithSecretResponseDto> {
    return this.endpoints.rotateSecret(id);
  }
}
