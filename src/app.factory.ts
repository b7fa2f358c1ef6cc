import { Logger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module.js';
import { sendProblem } from './common/filters/problem.filter.js';
import { NotJsonError, ValidationFailedError } from './common/errors/common.errors.js';
import { hasBody, isJsonContentType } from './common/http/json-body.js';
import { mountOpenApi } from './common/http/openapi.js';
import { findUnstorable } from './common/validation/storable-json.js';
import { createValidationPipe } from './common/validation/validation.js';
import { registerCatchAllBodyParser } from './modules/endpoint/body-parsers.js';
import type { AppConfig, LogLevel } from './config/app-config.js';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

const frameworkLogger = new Logger('Http');

/** Builds the whole application (not yet listening): used by main.ts and by the tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // Routes match exactly; `/endpoint/x/` is not `/endpoint/x`.
    routerOptions: { ignoreTrailingSlash: false },
    // Requests that arrive while shutting down are still served (the database closes last); Fastify's own
    // 503 would not be problem+json.
    return503OnClosing: false,
    // Errors the router raises before any handler (bad URL encoding, over-long parameters) get our shape too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(error, request, reply, frameworkLogger),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: NEST_LEVELS[config.logLevel],
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerCatchAllBodyParser(fastify);
  const logger = new Logger('Http');
  // The admin API takes JSON bodies only (ingestion decides per endpoint: its input transformer may take any).
  fastify.addHook('onRequest', (request, reply, done) => {
    if (
      request.url.startsWith('/api/') &&
      hasBody(request.headers) &&
      !isJsonContentType(request.headers['content-type'])
    ) {
      sendProblem(new NotJsonError(), request, reply, logger);
      return;
    }
    done();
  });
  // PostgreSQL cannot store NUL or unpaired surrogates, and deep values are unsafe to walk recursively: refuse
  // such input (body, query or path) on every route with a 400 naming the field, before any handler sees it.
  fastify.addHook('preValidation', (request, reply, done) => {
    const problem =
      findUnstorable(request.query) ??
      findUnstorable(request.params) ??
      (typeof request.body === 'object' ? findUnstorable(request.body) : null);
    if (problem) {
      sendProblem(new ValidationFailedError([problem]), request, reply, logger);
      return;
    }
    done();
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  mountOpenApi(app);
  await app.init();
  return app;
}
