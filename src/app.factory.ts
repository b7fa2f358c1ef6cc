import { Logger, type LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module.js';
import { sendProblem } from './common/filters/problem.filter.js';
import { NotJsonError } from './common/errors/common.errors.js';
import { hasBody, isJsonContentType } from './common/http/json-body.js';
import { mountOpenApi } from './common/http/openapi.js';
import { createValidationPipe } from './common/validation/validation.js';
import type { AppConfig, LogLevel } from './config/app-config.js';

const NEST_LEVELS: Record<LogLevel, NestLogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Builds the whole application (not yet listening): used by main.ts and by the tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // Routes match exactly; `/endpoint/x/` is not `/endpoint/x`.
    routerOptions: { ignoreTrailingSlash: false },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: NEST_LEVELS[config.logLevel],
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const logger = new Logger('Http');
  // The admin API takes JSON bodies only (ingestion has its own, stricter guard).
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
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  mountOpenApi(app);
  await app.init();
  return app;
}
