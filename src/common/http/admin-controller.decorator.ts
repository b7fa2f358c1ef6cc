import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminAuthGuard } from '../../modules/auth/admin-auth.guard.js';
import { ProblemDto } from './problem.dto.js';

export const ADMIN_API_PREFIX = 'api/v1';

/** An admin API controller: under /api/v1, behind an admin API key, documented under `tag`. */
export function AdminController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path ? `${ADMIN_API_PREFIX}/${path}` : ADMIN_API_PREFIX),
    ApiTags(tag),
    ApiBearerAuth('bearer'),
    ApiSecurity('apiKey'),
    UseGuards(AdminAuthGuard),
    ApiUnauthorizedResponse({ type: ProblemDto, description: 'Missing or invalid API key.' }),
  );
}
