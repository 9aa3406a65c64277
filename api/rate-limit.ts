/**
 * A token bucket per client address, in memory: what the unauthenticated public-message
 * routes spend per request. One API process keeps its own buckets (several API processes
 * behind a balancer each allow the rate); a restart forgets them. A refusal is a 429
 * problem+json with `Retry-After` in seconds.
 *
 * @example
 * const limit = rateLimit({ capacity: 10, refillPerSecond: 1 / 60 });
 * app.post('/x', { onRequest: limit }, handler);
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from './problem.js';

export interface RateLimitOptions {
  /** Requests one client may make at once. */
  capacity: number;
  /** Requests per second it earns back. */
  refillPerSecond: number;
  /** Buckets kept at most; when full, the ones that have refilled (idle clients) are dropped first. */
  maxClients?: number;
  now?: () => number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Spends one token of `key`'s bucket: 0 when allowed, otherwise the milliseconds until one is earned. */
  take(key: string): number {
    const now = this.now();
    const { capacity, refillPerSecond } = this.options;
    const held = this.buckets.get(key);
    const tokens = held ? Math.min(capacity, held.tokens + ((now - held.atMs) / 1000) * refillPerSecond) : capacity;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, atMs: now });
      return Math.ceil(((1 - tokens) / refillPerSecond) * 1000);
    }
    if (!held && this.buckets.size >= (this.options.maxClients ?? 100_000)) this.evict(now);
    this.buckets.set(key, { tokens: tokens - 1, atMs: now });
    return 0;
  }

  private evict(now: number): void {
    const { capacity, refillPerSecond } = this.options;
    for (const [key, b] of this.buckets) if (b.tokens + ((now - b.atMs) / 1000) * refillPerSecond >= capacity) this.buckets.delete(key);
    // Everyone is busy: the oldest entry goes (a Map iterates in insertion order).
    if (this.buckets.size >= (this.options.maxClients ?? 100_000)) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/** An `onRequest` hook that spends a token of the caller's address, or answers 429. */
export function rateLimit(options: RateLimitOptions) {
  const buckets = new TokenBuckets(options);
  return async function limitRate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const waitMs = buckets.take(request.ip);
    if (waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    reply.header('retry-after', String(seconds));
    throw new ProblemError(429, 'Too Many Requests', `too many requests from this address; try again in ${seconds} s`, { retryAfterSeconds: seconds });
  };
}
