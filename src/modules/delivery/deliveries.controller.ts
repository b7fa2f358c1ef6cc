import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import { DeliveriesService } from './deliveries.service.js';
import {
  DeliveryDetailDto,
  DeliveryPageDto,
  ListDeliveriesQueryDto,
  RetryDeadDto,
  RetryDeadResultDto,
} from './dto/delivery.dto.js';

@AdminController('', 'Deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get('endpoints/:id/deliveries')
  @ApiOperation({ operationId: 'listDeliveries', summary: "List an endpoint's deliveries (oldest first)" })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  list(@Param() { id }: UuidParamDto, @Query() query: ListDeliveriesQueryDto): Promise<DeliveryPageDto> {
    return this.deliveries.list(
      { endpointId: id, status: query.status, sessionId: query.sessionId },
      query.limit,
      query.cursor,
    );
  }

  @Get('deliveries/:id')
  @ApiOperation({ operationId: 'getDelivery', summary: 'Get one delivery with its body and attempts' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  get(@Param() { id }: UuidParamDto): Promise<DeliveryDetailDto> {
    return this.deliveries.get(id);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryDelivery', summary: 'Retry a dead or waiting delivery now' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ type: ProblemDto, description: 'Already delivered.' })
  retry(@Param() { id }: UuidParamDto): Promise<DeliveryDetailDto> {
    return this.deliveries.retry(id);
  }

  @Post('endpoints/:id/deliveries/retry-dead')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryDeadDeliveries', summary: "Queue all of an endpoint's dead deliveries again" })
  @ApiOkResponse({ type: RetryDeadResultDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  retryDead(@Param() { id }: UuidParamDto, @Body() dto: RetryDeadDto): Promise<RetryDeadResultDto> {
    return this.deliveries.retryDead(id, dto.since, dto.until);
  }
}
