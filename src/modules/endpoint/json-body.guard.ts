import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { NotJsonError } from '../../common/errors/common.errors.js';
import { isJsonContentType } from '../../common/http/json-body.js';

/** Ingestion takes JSON only: 415 before validation runs (guards run before pipes). */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (!isJsonContentType(context.switchToHttp().getRequest<FastifyRequest>().headers['content-type']))
      throw new NotJsonError();
    return true;
  }
}
