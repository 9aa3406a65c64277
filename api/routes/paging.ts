import { ProblemError } from '../problem.js';
import { z } from 'zod';

/**
 * `?limit=&cursor=`: at most 1,000 rows a page; the cursor is opaque to callers. Every
 * cursor this API writes is base64url ({@link encodeCursor}), so the schema says so: a
 * client (or a fuzzer) reading the document knows a cursor is not free text, and one with
 * other characters is refused by the schema, 400 naming `querystring.cursor`, as a
 * tampered one is by the route.
 */
export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .max(500)
    .regex(/^[A-Za-z0-9_-]*$/, 'not a cursor this API gave out')
    .optional()
    .describe('Opaque: the `nextCursor` of the page before, exactly as this API gave it out (base64url). Any other value is refused (400).'),
});

/** Wraps a cursor value so callers treat it as opaque. */
export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** The value `encodeCursor` wrapped (garbage in, garbage out: callers validate it). */
export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

const invalidCursor = () =>
  new ProblemError(400, 'Bad Request', 'the cursor is not one this API gave out', { errors: [{ path: 'querystring.cursor', message: 'invalid cursor' }] });

/**
 * An offset cursor, or a 400 naming the field when it was tampered with: only the digits
 * this API wrote (`1e21` is no offset PostgreSQL takes; text that is not base64url decodes to '').
 */
export function offsetFromCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const digits = decodeCursor(cursor);
  if (!/^\d{1,15}$/.test(digits)) throw invalidCursor();
  return Number(digits);
}

/** A cursor wrapping a plain value of this shape (`encodeCursor(path)`), or a 400: what it holds reaches SQL. */
export function valueFromCursor(cursor: string | undefined, shape: RegExp): string | undefined {
  if (!cursor) return undefined;
  const value = decodeCursor(cursor);
  if (!shape.test(value)) throw invalidCursor();
  return value;
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
    // A string holding NUL reaches SQL as a parameter PostgreSQL refuses: no key of ours holds one.
    value = JSON.parse(decodeCursor(cursor), (_, v: unknown) => {
      if (typeof v === 'string' && v.includes('\u0000')) throw new Error('NUL');
      return v;
    });
  } catch {
    value = undefined;
  }
  const parsed = key.safeParse(value);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

/** The cursor for the page after a row with this sort key. */
export function cursorFromKey(key: unknown): string {
  return encodeCursor(JSON.stringify(key));
}
