import { Body, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
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
import { FlowDefinitionDto, FlowPageDto, FlowResponseDto, UpdateFlowDto } from './dto/flow.dto.js';
import { FlowService } from './flow.service.js';

const INVALID_GRAPH = 'The graph does not validate; `errors` name each node and field (`nodes[<node id>].<field>`).';

@AdminController('flows', 'Flows')
export class FlowController {
  constructor(private readonly flows: FlowService) {}

  @Post()
  @ApiOperation({ operationId: 'createFlow', summary: 'Create a flow' })
  @ApiCreatedResponse({ type: FlowResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiUnprocessableEntityResponse({ type: ProblemDto, description: INVALID_GRAPH })
  create(@Body() dto: FlowDefinitionDto): Promise<FlowResponseDto> {
    return this.flows.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listFlows', summary: 'List flows (oldest first)' })
  @ApiOkResponse({ type: FlowPageDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  list(@Query() query: PageQueryDto): Promise<FlowPageDto> {
    return this.flows.list(query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getFlow', summary: 'Get a flow' })
  @ApiOkResponse({ type: FlowResponseDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param() { id }: UuidParamDto): Promise<FlowResponseDto> {
    return this.flows.get(id);
  }

  @Put(':id')
  @ApiOperation({ operationId: 'replaceFlow', summary: 'Replace a flow definition' })
  @ApiOkResponse({ type: FlowResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiUnprocessableEntityResponse({ type: ProblemDto, description: INVALID_GRAPH })
  replace(@Param() { id }: UuidParamDto, @Body() dto: FlowDefinitionDto): Promise<FlowResponseDto> {
    return this.flows.replace(id, dto);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateFlow',
    summary: 'Change part of a flow (JSON merge patch)',
    description: 'RFC 7396: `null` removes a key, arrays (`nodes`, `intents`) replace. The result is validated whole.',
  })
  @ApiOkResponse({ type: FlowResponseDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiUnprocessableEntityResponse({ type: ProblemDto, description: INVALID_GRAPH })
  update(@Param() { id }: UuidParamDto, @Body() dto: UpdateFlowDto): Promise<FlowResponseDto> {
    return this.flows.patch(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteFlow', summary: 'Delete a flow no endpoint or flow uses' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ type: ProblemDto, description: 'Endpoints or other flows use this flow; they are named.' })
  delete(@Param() { id }: UuidParamDto): Promise<void> {
    return this.flows.delete(id);
  }
}
