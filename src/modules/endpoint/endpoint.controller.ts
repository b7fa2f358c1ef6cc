import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiExcludeEndpoint,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemDto } from '../../common/http/problem.dto.js';
import type { InboundKind } from '../pipeline/inbox.repository.js';
import { IngestAcceptedDto, IngestMessageDto } from './dto/ingest-message.dto.js';
import { sendReceiveOutcome, toInboundRequest } from './endpoint-reply.js';
import { MethodNotAllowedError } from './endpoint.errors.js';
import { IngestService } from './ingest.service.js';

const transformerNote = (hook: string): string =>
  `With the endpoint’s ${hook} transformer enabled, any content type reaches it; it may rewrite the message, ` +
  'drop it (202 `{"status":"dropped"}`) or answer the request itself (then its status, headers and body are sent).';

/**
 * The public endpoint URLs. Requests go to the service as plain `{method, path, query, headers, body}`: whether
 * a body must be JSON, or a method other than POST is allowed, depends on the endpoint's input transformer, so
 * the service decides after resolving the endpoint. Methods other than POST exist for transformers (e.g. a GET
 * verification handshake) and are left out of the API document.
 */
@Controller('endpoint')
@ApiTags('Ingestion')
@ApiHeader({
  name: 'X-Webhook-Key',
  required: false,
  description: 'Required when the endpoint uses authMethod "apiKey".',
})
@ApiBadRequestResponse({ type: ProblemDto })
@ApiUnauthorizedResponse({ type: ProblemDto })
@ApiForbiddenResponse({ type: ProblemDto, description: 'Endpoint inactive.' })
@ApiNotFoundResponse({ type: ProblemDto, description: 'Unknown URL token.' })
@ApiPayloadTooLargeResponse({ type: ProblemDto })
@ApiUnsupportedMediaTypeResponse({ type: ProblemDto, description: 'Not JSON (and no transformer takes it).' })
@ApiUnprocessableEntityResponse({ type: ProblemDto, description: 'The transformer failed with abortOnError.' })
@ApiServiceUnavailableResponse({ type: ProblemDto })
@ApiAcceptedResponse({ type: IngestAcceptedDto })
export class EndpointController {
  constructor(private readonly ingest: IngestService) {}

  @Post(':urlToken')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'sendMessage',
    summary: 'Send a user message to the endpoint’s flow',
    description: transformerNote('handleInput'),
  })
  @ApiBody({ type: IngestMessageDto })
  message(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'message', request, reply);
  }

  @Post('inject/:urlToken')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'injectMessage',
    summary: 'Inject input: runs NLU and the flow as if the user had sent it',
    description: transformerNote('handleInject'),
  })
  @ApiBody({ type: IngestMessageDto })
  inject(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'inject', request, reply);
  }

  @Post('notify/:urlToken')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'notifyUser',
    summary: 'Send text/data straight to the webhook as an output (no flow)',
    description: transformerNote('handleNotify'),
  })
  @ApiBody({ type: IngestMessageDto })
  notify(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'notify', request, reply);
  }

  @Get(':urlToken')
  @ApiExcludeEndpoint()
  get(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'message', request, reply);
  }

  @Put(':urlToken')
  @ApiExcludeEndpoint()
  put(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'message', request, reply);
  }

  @Patch(':urlToken')
  @ApiExcludeEndpoint()
  patch(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'message', request, reply);
  }

  @Delete(':urlToken')
  @ApiExcludeEndpoint()
  delete(@Param('urlToken') urlToken: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.receive(urlToken, 'message', request, reply);
  }

  private async receive(
    urlToken: string,
    kind: InboundKind,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    try {
      return sendReceiveOutcome(reply, await this.ingest.receive(urlToken, kind, toInboundRequest(request)));
    } catch (error) {
      if (error instanceof MethodNotAllowedError) void reply.header('allow', 'POST');
      throw error;
    }
  }
}
