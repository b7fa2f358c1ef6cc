import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, type ErrorKind, type FieldError } from '../errors/domain-error.js';

/** RFC 9457 problem details, the one error body of every route. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  requestId: string;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** True when the error was not anticipated and must be logged with its stack. */
  unexpected: boolean;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function statusOfKind(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'method_not_allowed':
      return 405;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'unprocessable':
      return 422;
    case 'rate_limited':
      return 429;
    case 'unavailable':
      return 503;
  }
}

/** Maps anything thrown while serving a request to a problem; internals never reach the client. */
export function toProblem(error: unknown, requestId: string): ProblemResponse {
  if (error instanceof DomainError) return fromDomainError(error, requestId);
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own 4xx errors (body parsing, size, content type) with the original as `cause`.
    return fromFastifyError(error.cause, requestId) ?? fromHttpException(error, requestId);
  }
  // Raised by Fastify's router itself (bad URL encoding, over-long parameters), before Nest is involved.
  const routerError = fromFastifyError(error, requestId);
  if (routerError) return routerError;
  if (isDatabaseUnavailable(error)) {
    return {
      problem: problem(503, 'database-unavailable', 'The database is unavailable; try again shortly.', requestId),
      headers: { 'retry-after': '5' },
      unexpected: false,
    };
  }
  return {
    problem: problem(500, 'internal-error', 'An unexpected error occurred.', requestId),
    headers: {},
    unexpected: true,
  };
}

function fromDomainError(error: DomainError, requestId: string): ProblemResponse {
  const status = statusOfKind(error.kind);
  const body = problem(status, error.code, error.message, requestId);
  if (error.fieldErrors && error.fieldErrors.length > 0) body.errors = error.fieldErrors;
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
  return { problem: body, headers, unexpected: false };
}

function fromHttpException(error: HttpException, requestId: string): ProblemResponse {
  const status = error.getStatus();
  const code = status === 404 ? 'route-not-found' : slug(HttpStatus[status] ?? 'error');
  const detail = status === 404 ? 'No route matches this method and path.' : error.message;
  return { problem: problem(status, code, detail, requestId), headers: {}, unexpected: status >= 500 };
}

/** Errors Fastify raises before our handlers run: body parsing, content type, size. */
function fromFastifyError(error: unknown, requestId: string): ProblemResponse | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const known: Record<string, [string, string]> = {
    FST_ERR_CTP_BODY_TOO_LARGE: ['payload-too-large', 'The request body exceeds the size limit.'],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported-media-type', 'The request body must be application/json.'],
    FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid-json', 'The request body is empty but declared as JSON.'],
    FST_ERR_CTP_INVALID_JSON_BODY: ['invalid-json', 'The request body is not valid JSON.'],
    FST_ERR_BAD_URL: ['invalid-url', 'The request URL is not validly encoded.'],
    FST_ERR_MAX_PARAM_LENGTH: ['uri-too-long', 'A path parameter is too long.'],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid-request', 'The Content-Length header does not match the body.'],
  };
  const [type, detail] = known[String(code)] ??
    (error instanceof SyntaxError ? known.FST_ERR_CTP_INVALID_JSON_BODY : undefined) ?? [
      'invalid-request',
      'The request could not be read.',
    ];
  return { problem: problem(statusCode, type, detail, requestId), headers: {}, unexpected: false };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08003',
  '08004',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Cannot use a pool after calling end/i.test(
      message,
    )
  ) {
    return true;
  }
  return driverError !== undefined && driverError !== error && isDatabaseUnavailable(driverError);
}

function problem(status: number, code: string, detail: string, requestId: string): Problem {
  return {
    type: `urn:hookflow:problem:${code}`,
    title: HttpStatus[status] ? titleOf(status) : 'Error',
    status,
    detail,
    requestId,
  };
}

function titleOf(status: number): string {
  return (HttpStatus[status] ?? 'Error')
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

function slug(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}
