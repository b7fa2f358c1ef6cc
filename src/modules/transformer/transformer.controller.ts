import { Body, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import { TransformerTestDto, TransformerTestResultDto } from './dto/transformer-test.dto.js';
import { TransformerDryRunService } from './transformer-dry-run.service.js';

@AdminController('endpoints', 'Transformers')
export class TransformerController {
  constructor(private readonly dryRuns: TransformerDryRunService) {}

  @Post(':id/transformer/test')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'testTransformer',
    summary: 'Dry-run one transformer function (nothing is saved or sent)',
    description:
      'Runs the stored code, or `code` when given, in the sandbox with the endpoint’s time limit. ' +
      'Answers 200 either way: `ok: true` with the return value, or `ok: false` with the error and its line ' +
      '(a syntax error, a throw, or a time or memory limit). Console output is returned in both cases.',
  })
  @ApiOkResponse({ type: TransformerTestResultDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiUnprocessableEntityResponse({ type: ProblemDto, description: 'No code stored and none sent.' })
  @ApiServiceUnavailableResponse({ type: ProblemDto, description: 'The sandbox is overloaded or shutting down.' })
  test(@Param() { id }: UuidParamDto, @Body() dto: TransformerTestDto): Promise<TransformerTestResultDto> {
    return this.dryRuns.test(id, dto);
  }
}
