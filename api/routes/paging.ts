import { ProblemError } from '../problem.js';
import { z } from 'zod';

/** `?limit=&cursor=`: at most 1,000 rows a page; the cursor is opaque to callers. */
export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});

/** Wraps a cursor value so callers treat it as opaque. */
export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** The value `encodeCursor` wrapped (garbage in, garbage out: callers validate it). */
export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

/** An offset cursor, or a 400 naming the field when it was tampered with. */
export function offsetFromCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number(decodeCursor(cursor));
  if (!Number.isInteger(n) || n < 0) throw new ProblemError(400, 'Bad Request', 'the cursor is not one this API gave out', { errors: [{ path: 'querystring.cursor', message: 'invalid cursor' }] });
  return n;
}

/**
 * A keyset cursor: the sort key of the last row a page held, so the next page starts
 * right after it and rows added or removed meanwhile neither repeat nor skip others.
 *
 * @example
 * const after = keyFromCursor(request.query.cursor, z.tuple([z.number(), z.string()]));
 * // … where (position, id) > (after[0], after[1]) … ; nextCursor: cursorFromKey([last.position, last.id])
 */
export function keyFromCursor<T>(cursor: string | undefined, key: z.ZodType<T>): T | undefined {
  if (!cursor) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decodeCursor(cursor));
  } catch {
    value = undefined;
  }
  const parsed = key.safeParse(value);
  if (!parsed.success) throw new ProblemError(400, 'Bad Request', 'the cursor is not one this API gave out', { errors: [{ path: 'querystring.cursor', message: 'invalid cursor' }] });
  return parsed.data;
}

/** The cursor for the page after a row with this sort key. */
export function cursorFromKey(key: unknown): string {
  return encodeCursor(JSON.stringify(key));
}
