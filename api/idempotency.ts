/**
 * Idempotency for the creates whose first answer holds a secret: an API token
 * (`POST /tokens`) and a public message's tracking code (`POST …/public-messages`).
 *
 * A retry under the same `Idempotency-Key` must get the first answer back, so the answer
 * is kept in `idempotency_keys`; but the secret in it must not lie there readable. So the
 * row holds the key only as a SHA-256 hash, and the answer sealed (AES-256-GCM) under a
 * key derived from the Idempotency-Key itself: only whoever holds the Idempotency-Key can
 * open it, and that is the caller who was given the secret in the first place. For the
 * same reason these keys must be long (at least 32 characters: a random UUID will do): a
 * short one could be guessed, and a guessed key is a stolen answer.
 *
 * Creates under one key run one at a time (a transaction-scoped advisory lock), so two
 * concurrent retries create once. `create` gets the transaction and must make its database
 * writes through it: on PGlite there is only one connection, and it is the transaction's.
 * The kept answers' table is read and written in db/models/idempotency-keys.ts.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { keepAnswer, keptAnswer, lockKey } from '../db/models/idempotency-keys.js';
import type { Database } from '../db/schema.js';
import { ProblemError } from './problem.js';

/**
 * The header every answer replayed from a kept Idempotency-Key carries, `true`: tokens and
 * public messages here, org actions in api/routes/org-actions.ts. A client may tell from it
 * that it is seeing the first answer again and nothing new was done.
 */
export const REPLAYED = 'idempotent-replayed';

/** An org action's key: it names the request, and the answer it keeps holds no secret. */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'letters, digits and _.:-, at most 80');

export const SecretIdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{32,80}$/, '32 to 80 letters, digits and _.:- (a random UUID will do): the key seals an answer holding a secret');

/** The same request in any key order hashes the same. */
export function hashRequest(request: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('hex');
}

/** The 422 for a key sent again with a different request; `named` is how the detail names the key. */
export function keyUsedForAnotherRequest(named: string): ProblemError {
  return new ProblemError(422, 'Unprocessable Content', `${named} was first used with a different request; use a new key for a new request`, {
    errors: [{ path: 'headers.idempotency-key', message: 'already used with a different request' }],
  });
}

/**
 * A create answered 201 once per Idempotency-Key (see {@link answerOnce}); without a key, a
 * plain create. A replayed answer carries `Idempotent-Replayed: true`.
 */
export async function sendCreatedOnce<T>(
  db: Kysely<Database>,
  reply: FastifyReply,
  at: { scope: string; key: string | undefined; request: unknown },
  create: (into: Kysely<Database>) => Promise<T>,
): Promise<FastifyReply> {
  if (!at.key) return reply.code(201).send(await create(db));
  const { replayed, answer } = await answerOnce(db, { ...at, key: at.key }, create);
  if (replayed) void reply.header(REPLAYED, 'true');
  return reply.code(201).send(answer);
}

/**
 * Runs `create` once per (scope, key): the first call's answer is sealed and kept; a later
 * call with the same request gets it back (`replayed`), with a different request a 422.
 * A `create` that throws keeps nothing, so the caller may send again under the same key.
 */
export async function answerOnce<T>(
  db: Kysely<Database>,
  at: { scope: string; key: string; request: unknown },
  create: (trx: Transaction<Database>) => Promise<T>,
): Promise<{ replayed: boolean; answer: T }> {
  const keyHash = `sha256:${createHash('sha256').update(at.key).digest('hex')}`;
  const requestHash = hashRequest(at.request);
  return db.transaction().execute(async (trx) => {
    await lockKey(trx, at.scope, keyHash);
    const first = await keptAnswer(trx, at.scope, keyHash);
    if (first) {
      if (first.request_hash !== requestHash) throw keyUsedForAnotherRequest('this Idempotency-Key');
      return { replayed: true, answer: open((first.response as { sealed: string }).sealed, at.key) as T };
    }
    const answer = await create(trx);
    await keepAnswer(trx, { scope: at.scope, key: keyHash, requestHash, statusCode: 201, response: { sealed: seal(answer, at.key) } });
    return { replayed: false, answer };
  });
}

const sealKey = (idempotencyKey: string) => createHash('sha256').update(`campaign-engine idempotency seal\0${idempotencyKey}`).digest();

function seal(answer: unknown, idempotencyKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(idempotencyKey), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(sealed: string, idempotencyKey: string): unknown {
  const bytes = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(idempotencyKey), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8'));
}
