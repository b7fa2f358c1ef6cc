import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../common/errors/common.errors.js';
import { ApiKeysService } from './api-keys.service.js';

/** Admin routes need a registered key as `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly apiKeys: ApiKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = presentedKey(request);
    if (!presented)
      throw new UnauthorizedError('Send an admin API key as "Authorization: Bearer <key>" or "X-API-Key".');
    if (!(await this.apiKeys.verify(presented))) throw new UnauthorizedError('The API key is not valid.');
    return true;
  }
}

function presentedKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : null;
}
