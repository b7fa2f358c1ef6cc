import { Body, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import { IngestAcceptedDto, IngestMessageDto } from './dto/ingest-message.dto.js';
import { IngestService, type IngestResult } from './ingest.service.js';

/** Inject and notify for operators: by endpoint id, admin key instead of URL token, no transformer. */
@AdminController('endpoints', 'Endpoints')
@ApiBadRequestResponse({ type: ProblemDto })
@ApiNotFoundResponse({ type: ProblemDto })
@ApiForbiddenResponse({ type: ProblemDto, description: 'Endpoint inactive.' })
@ApiAcceptedResponse({ type: IngestAcceptedDto })
export class EndpointMessagesController {
  constructor(private readonly ingest: IngestService) {}

  @Post(':id/inject')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'injectEndpointMessage',
    summary: 'Inject input into a conversation: NLU and the flow run as if the user had sent it',
  })
  inject(@Param() { id }: UuidParamDto, @Body() dto: IngestMessageDto): Promise<IngestResult> {
    return this.ingest.acceptById(id, dto, 'inject');
  }

  @Post(':id/notify')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'notifyEndpointUser',
    summary: 'Send text/data to a conversation’s webhook as an output, without the flow',
  })
  notify(@Param() { id }: UuidParamDto, @Body() dto: IngestMessageDto): Promise<IngestResult> {
    return this.ingest.acceptById(id, dto, 'notify');
  }
}
