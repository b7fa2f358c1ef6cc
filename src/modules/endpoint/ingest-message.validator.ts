import { validateSync } from 'class-validator';
import { ValidationFailedError } from '../../common/errors/common.errors.js';
import type { FieldError } from '../../common/errors/domain-error.js';
import { unstorableReason } from '../../common/validation/storable-json.js';
import { toFieldErrors } from '../../common/validation/validation.js';
import { IngestMessageDto } from './dto/ingest-message.dto.js';
import type { InboundMessage } from './ingest.types.js';

const FIELDS: ReadonlySet<string> = new Set(['userId', 'sessionId', 'text', 'data']);

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The ingestion rules (IngestMessageDto: types, lengths, text or data, no unknown fields) applied to any value:
 * a request body, or what an input transformer returned. Only the known fields are copied onto the DTO, so no
 * key of the input (`__proto__` included) is ever assigned to an object; unknown ones are reported by name.
 */
export function validateIngestMessage(value: unknown, detail?: string): InboundMessage {
  if (!isJsonObject(value)) {
    throw new ValidationFailedError([{ field: 'body', message: 'must be a JSON object' }], detail);
  }
  const dto = new IngestMessageDto();
  const errors: FieldError[] = [];
  for (const [field, fieldValue] of Object.entries(value)) {
    const unstorable = unstorableReason(fieldValue);
    if (!FIELDS.has(field)) errors.push({ field, message: 'is not a known field' });
    else if (unstorable) errors.push({ field, message: unstorable });
    else if (fieldValue !== undefined) (dto as unknown as Record<string, unknown>)[field] = fieldValue;
  }
  if (errors.length === 0 && plainlyValid(dto)) return toMessage(dto);
  // One message per field: the first rule it breaks (a missing field is "must be a string", not five rules).
  errors.push(...toFieldErrors(validateSync(dto, { forbidUnknownValues: true, stopAtFirstError: true })));
  if (errors.length > 0) throw new ValidationFailedError(errors, detail);
  return toMessage(dto);
}

function toMessage(dto: IngestMessageDto): InboundMessage {
  return { userId: dto.userId, sessionId: dto.sessionId, text: dto.text, data: dto.data ?? null };
}

const MAX_ID_LENGTH = 256;
const MAX_TEXT_LENGTH = 10_000;

function isPlainId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/**
 * The common case, checked without class-validator (its metadata walk was 2–3 % of the server's CPU per message):
 * true only for messages IngestMessageDto surely accepts (ingest-message.validator.spec.ts checks that property on
 * generated input). Anything else — including lengths counted in UTF-16 units that may be within the DTO's limits
 * counted in characters — goes through the DTO, which stays the only source of the error messages.
 */
export function plainlyValid(dto: IngestMessageDto): boolean {
  const { userId, sessionId, text, data } = dto as Partial<Record<keyof IngestMessageDto, unknown>>;
  const hasData = data !== undefined && data !== null;
  if (hasData && !isJsonObject(data)) return false;
  if (!isPlainId(userId) || !isPlainId(sessionId)) return false;
  if (text === undefined) return hasData;
  return typeof text === 'string' && text.length <= MAX_TEXT_LENGTH && (text.length > 0 || hasData);
}

/** The request's own fields, overridden by those the transformer returned (an undefined key keeps the request's). */
export function mergeTransformed(requestBody: unknown, returned: Record<string, unknown>): Record<string, unknown> {
  // No prototype: a returned `__proto__` key stays an ordinary (and then unknown, so rejected) field.
  const merged = Object.create(null) as Record<string, unknown>;
  if (isJsonObject(requestBody)) {
    for (const field of FIELDS) if (Object.hasOwn(requestBody, field)) merged[field] = requestBody[field];
  }
  for (const [field, value] of Object.entries(returned)) if (value !== undefined) merged[field] = value;
  return merged;
}
