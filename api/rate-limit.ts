/**
 * The public routes' rate limits, per client address, counted in PostgreSQL so that every
 * API process on the database shares them: two processes behind a balancer together allow
 * exactly what one does, and a restart forgets nothing. A refusal is a 429 problem+json
 * (through the app's error handler) with `Retry-After` in seconds and `retryAfterSeconds`
 * in the body.
 *
 * The limiting itself is @fastify/rate-limit's (its `onRequest` hook, the client key, the
 * 429 and its `Retry-After`); what is ours is its store, {@link PgTokenBuckets}, a token
 * bucket computed in SQL. A route asks for one with `config: { rateLimit: tokenBucket(…) }`.
 *
 * Why a token bucket, not the fixed window @fastify/rate-limit's own stores count: the
 * routes promise a burst, then a steady rate ("a burst of 5, then one a minute"), and a
 * fixed window cannot say that. Five per five minutes would let a client send ten within a
 * second across a window's edge and then nothing for five minutes; a bucket allows exactly
 * the burst, then one request per refill interval, as the in-memory buckets before it did.
 * The plugin's store interface carries it: `incr` answers `{ current, ttl }` and the plugin
 * refuses when `current > max`, with `Retry-After = ceil(ttl / 1000)`; so the store answers
 * the tokens spent (or `max + 1` on a refusal) and, on a refusal, the time until a token is
 * earned. A route's `max` is the bucket's capacity and its `timeWindow` the time one token
 * takes to come back ({@link tokenBucket} spells it so).
 *
 * The bucket is kept as the time it will be full again (`rate_limits.full_at`; in the
 * literature, GCRA's theoretical arrival time plus a burst): at time `now` it holds
 * `capacity - max(0, full_at - now) / every` tokens. A request is allowed when at least one
 * is there, i.e. `full_at - now <= (capacity - 1) · every`, and moves `full_at` to
 * `max(full_at, now) + every`; a refusal leaves it. That is one upsert with `RETURNING` per
 * request, atomic under the row's lock, so requests racing from several processes are each
 * counted once. A row whose `full_at` has passed is a full bucket, the same as no row, so
 * each store deletes those every minute (one indexed delete; nothing is lost by it).
 *
 * The clock is the app's (`AppDeps.now`), so a test moves time by hand; processes' clocks
 * differ by milliseconds, against refill intervals of seconds.
 *
 * @example
 * await registerRateLimits(app, db, Date.now);
 * app.post('/x', { config: { rateLimit: tokenBucket({ capacity: 5, refillEveryMs: 60_000 }) } }, handler);
 */
import rateLimitPlugin, { type FastifyRateLimitStore, type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ProblemError } from './problem.js';

export interface TokenBucket {
  /** Requests one client may make at once. */
  capacity: number;
  /** The time, in ms, in which one request is earned back. */
  refillEveryMs: number;
}

/** A route's `config.rateLimit`: a token bucket, in @fastify/rate-limit's words. */
export const tokenBucket = ({ capacity, refillEveryMs }: TokenBucket): RateLimitOptions => ({ max: capacity, timeWindow: refillEveryMs });

export interface Take {
  allowed: boolean;
  /** Whole tokens left. */
  tokens: number;
  /** Refused: ms until a token is earned. Allowed: ms until the bucket is full again. */
  waitMs: number;
}

/**
 * Spends one token of `client`'s bucket in `scope`, or refuses: one statement. All the
 * arithmetic is in whole milliseconds, so `waitMs` is exact.
 */
export async function takeToken(db: Kysely<Database>, scope: string, client: string, bucket: TokenBucket, nowMs: number): Promise<Take> {
  const { capacity, refillEveryMs } = bucket;
  const ms = (n: number) => sql`(${n}::float8 * interval '1 millisecond')`;
  const now = sql`(timestamptz 'epoch' + ${ms(nowMs)})`;
  const every = ms(refillEveryMs);
  const enough = sql`r.full_at - ${now} <= ${ms((capacity - 1) * refillEveryMs)}`;
  const { rows } = await sql<{ allowed: boolean; full_at_ms: number }>`
    insert into rate_limits as r (scope, client, full_at, allowed)
    values (${scope}, ${client}, ${now} + ${every}, true)
    on conflict (scope, client) do update set
      full_at = case when ${enough} then greatest(r.full_at, ${now}) + ${every} else r.full_at end,
      allowed = ${enough}
    returning allowed, (extract(epoch from full_at) * 1000)::float8 as full_at_ms`.execute(db);
  const { allowed, full_at_ms } = rows[0]!;
  const aheadMs = Math.max(0, Number(full_at_ms) - nowMs);
  if (!allowed) return { allowed, tokens: 0, waitMs: Math.ceil(aheadMs - (capacity - 1) * refillEveryMs) };
  return { allowed, tokens: Math.floor(capacity - aheadMs / refillEveryMs), waitMs: aheadMs };
}

/** Deletes the buckets that are full again (the same as none); answers how many. */
export async function pruneRateLimits(db: Kysely<Database>, nowMs: number): Promise<number> {
  const { numDeletedRows } = await db
    .deleteFrom('rate_limits')
    .where('full_at', '<', sql<Date>`timestamptz 'epoch' + ${nowMs}::float8 * interval '1 millisecond'`)
    .executeTakeFirst();
  return Number(numDeletedRows);
}

/** How often a store deletes the full buckets, in ms of the app's clock. */
export const PRUNE_EVERY_MS = 60_000;

/**
 * @fastify/rate-limit's store over `rate_limits`: the plugin makes one per rate-limited
 * route (`child`), whose scope is the route's path pattern, so a route's GET and HEAD
 * share a bucket. The key is the plugin's: the client address (an IPv6 one by its /64).
 */
export class PgTokenBuckets implements FastifyRateLimitStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly log: FastifyBaseLogger,
    private readonly scope = '',
    private readonly pruned = { atMs: -Infinity },
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void {
    const nowMs = this.now();
    if (nowMs - this.pruned.atMs >= PRUNE_EVERY_MS) {
      this.pruned.atMs = nowMs;
      pruneRateLimits(this.db, nowMs).catch((err: unknown) => this.log.warn({ err }, 'pruning the rate limits failed; trying again in a minute'));
    }
    takeToken(this.db, this.scope, key, { capacity: max, refillEveryMs: timeWindow }, nowMs).then(
      (t) => callback(null, { current: t.allowed ? max - t.tokens : max + 1, ttl: t.waitMs }),
      (err: Error) => callback(err),
    );
  }

  /** The plugin passes the route's merged options, the route itself under `routeInfo` (its types say otherwise). */
  child(options: object): FastifyRateLimitStore {
    const scope = (options as { routeInfo?: { url?: string } }).routeInfo?.url;
    if (!scope) throw new Error('@fastify/rate-limit made a store for a route without a url: the routes would share one bucket');
    return new PgTokenBuckets(this.db, this.now, this.log, scope, this.pruned);
  }
}

/**
 * Registers @fastify/rate-limit on the app, before its routes: no route is limited unless
 * its `config.rateLimit` says so. Only `Retry-After` is sent (on a 429), as before; the
 * `x-ratelimit-*` headers are left out, their "reset" being a fixed window's idea.
 */
export async function registerRateLimits(app: FastifyInstance, db: Kysely<Database>, now: () => number): Promise<void> {
  const log = app.log;
  await app.register(rateLimitPlugin, {
    global: false,
    store: class extends PgTokenBuckets {
      constructor() {
        super(db, now, log);
      }
    },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    // Thrown by the plugin's hook: the app's error handler answers it as problem+json.
    errorResponseBuilder: (_request, { ttl }) => {
      const seconds = Math.max(1, Math.ceil(ttl / 1000));
      return new ProblemError(429, 'Too Many Requests', `too many requests from this address; try again in ${seconds} s`, { retryAfterSeconds: seconds });
    },
  });
}
