import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ValidationFailedError } from '../errors/common.errors.js';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, description: 'Page size.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  // Opaque; some lists' cursors carry user and session ids (up to 256 characters each). A malformed one is refused
  // by the list that decodes it.
  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset position: lists are ordered by (created_at, id), so a page resumes after the last row it showed. */
export interface Keyset {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: Keyset): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Keyset | null {
  if (cursor === undefined) return null;
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new ValidationFailedError([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
  }
  return { createdAt, id };
}

export const DEFAULT_PAGE_SIZE = 50;

/** Builds the page from `limit + 1` fetched rows: the extra row only tells that another page exists. */
export function toPage<Row extends Keyset, Item>(rows: Row[], limit: number, map: (row: Row) => Item): Page<Item> {
  const visible = rows.slice(0, limit);
  const last = visible.at(-1);
  return {
    items: visible.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
