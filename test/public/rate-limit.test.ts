/** The public routes' token buckets, on a hand-driven clock. */
import { expect, test } from 'vitest';
import { TokenBuckets } from '../../api/rate-limit.js';

test('a burst up to capacity, then one per refill interval; each address has its own bucket', () => {
  let now = 0;
  const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 1 / 60, now: () => now });
  expect([1, 2, 3].map(() => buckets.take('a'))).toEqual([0, 0, 0]);
  expect(buckets.take('a')).toBe(60_000);
  expect(buckets.take('b')).toBe(0);
  now = 30_000;
  expect(buckets.take('a')).toBe(30_000);
  now = 60_000;
  expect(buckets.take('a')).toBe(0);
  expect(buckets.take('a')).toBe(60_000);
  // Idle for an hour: full again, never more than the capacity.
  now = 3_660_000;
  expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([0, 0, 0, 60_000]);
});

test('held buckets are bounded: idle addresses go first, then the oldest', () => {
  let now = 0;
  const buckets = new TokenBuckets({ capacity: 2, refillPerSecond: 1, maxClients: 3, now: () => now });
  for (const ip of ['a', 'b', 'c']) buckets.take(ip);
  buckets.take('a');
  expect(buckets.take('a')).toBeGreaterThan(0);
  now = 500;
  // 'b' and 'c' have not refilled yet: the oldest entry ('a') makes room.
  expect(buckets.take('d')).toBe(0);
  expect(buckets.take('a')).toBe(0);
});
