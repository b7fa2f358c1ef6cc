import { Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import { AnalyticsService } from './analytics.service.js';
import { AnalyticsDto, AnalyticsQueryDto } from './dto/analytics.dto.js';

@AdminController('endpoints', 'Analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get(':id/analytics')
  @ApiOperation({
    operationId: 'getEndpointAnalytics',
    summary: "An endpoint's analytics over [from, to): inputs, outputs, sessions, deliveries, latency, top intents",
  })
  @ApiOkResponse({ type: AnalyticsDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param() { id }: UuidParamDto, @Query() query: AnalyticsQueryDto): Promise<AnalyticsDto> {
    return this.analytics.summary(id, query.from, query.to);
  }
}
