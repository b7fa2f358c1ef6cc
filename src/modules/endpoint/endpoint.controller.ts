import { Body, Controller, Headers, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ProblemDto } from '../../common/http/problem.dto.js';
import { IngestAcceptedDto, IngestMessageDto } from './dto/ingest-message.dto.js';
import { JsonBodyGuard } from './json-body.guard.js';
import { IngestService, type IngestResult } from './ingest.service.js';

@Controller('endpoint')
@UseGuards(JsonBodyGuard)
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
@ApiUnsupportedMediaTypeResponse({ type: ProblemDto })
export class EndpointController {
  constructor(private readonly ingest: IngestService) {}

  @Post(':urlToken')
  @HttpCode(202)
  @ApiOperation({ operationId: 'sendMessage', summary: 'Send a user message to the endpoint’s flow' })
  @ApiAcceptedResponse({ type: IngestAcceptedDto })
  async message(
    @Param('urlToken') urlToken: string,
    @Headers('x-webhook-key') webhookKey: string | undefined,
    @Body() dto: IngestMessageDto,
  ): Promise<IngestResult> {
    const endpoint = await this.ingest.resolveEndpoint({ urlToken, webhookKey });
    return this.ingest.accept(endpoint, dto, 'message');
  }
}
