import { Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminController } from '../../common/http/admin-controller.decorator.js';
import { ProblemDto, UuidParamDto } from '../../common/http/problem.dto.js';
import {
  GetSessionQueryDto,
  ListSessionsQueryDto,
  SessionDetailDto,
  SessionPageDto,
  SessionParamsDto,
  SessionQueryDto,
} from './dto/session.dto.js';
import { SessionsService } from './sessions.service.js';

const AMBIGUOUS = 'No userId given and several users have this sessionId.';

@AdminController('endpoints', 'Sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get(':id/sessions')
  @ApiOperation({ operationId: 'listSessions', summary: "List an endpoint's sessions (oldest first)" })
  @ApiOkResponse({ type: SessionPageDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  list(@Param() { id }: UuidParamDto, @Query() query: ListSessionsQueryDto): Promise<SessionPageDto> {
    return this.sessions.list(id, query.userId, query.limit, query.cursor);
  }

  @Get(':id/sessions/:sessionId')
  @ApiOperation({
    operationId: 'getSession',
    summary: 'Get a session: its state and its transcript (paged with limit/cursor)',
  })
  @ApiOkResponse({ type: SessionDetailDto })
  @ApiBadRequestResponse({ type: ProblemDto })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ type: ProblemDto, description: AMBIGUOUS })
  get(@Param() { id, sessionId }: SessionParamsDto, @Query() query: GetSessionQueryDto): Promise<SessionDetailDto> {
    return this.sessions.get({ endpointId: id, sessionId, userId: query.userId }, query.limit, query.cursor);
  }

  @Delete(':id/sessions/:sessionId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteSession',
    summary: 'Erase a session and everything stored for it',
    description:
      'Deletes the session state, its transcript and analytics events, its queued and delivered messages ' +
      '(inbox and outbox with delivery attempts) and its transformer session storage.',
  })
  @ApiNoContentResponse({ description: 'Erased.' })
  @ApiNotFoundResponse({ type: ProblemDto })
  @ApiConflictResponse({ type: ProblemDto, description: AMBIGUOUS })
  async erase(@Param() { id, sessionId }: SessionParamsDto, @Query() query: SessionQueryDto): Promise<void> {
    await this.sessions.erase({ endpointId: id, sessionId, userId: query.userId });
  }
}
