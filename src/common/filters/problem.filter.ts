import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

/** The one global exception filter: every error leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendProblem(error, request, reply, this.logger);
  }
}

export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  const { problem, headers, unexpected } = toProblem(error, String(request.id));
  if (unexpected) {
    logger.error(
      `${request.method} ${request.routeOptions?.url ?? 'unknown route'} failed (request ${request.id})`,
      error instanceof Error ? error.stack : String(error),
    );
  }
  if (reply.sent) return;
  void reply.status(problem.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(problem);
}
