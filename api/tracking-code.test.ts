/** The senders' tracking codes (民意直通车): random, stored only as a hash. */
import { describe, expect, test } from 'vitest';
import { hashTrackingCode, newTrackingCode, TRACKING_CODE } from './tracking-code.js';

describe('tracking codes', () => {
  test('24 base64url characters carrying 144 random bits; no two alike', () => {
    const codes = new Set(Array.from({ length: 10_000 }, () => newTrackingCode()));
    expect(codes.size).toBe(10_000);
    for (const c of [...codes].slice(0, 100)) expect(c).toMatch(TRACKING_CODE);
    // 24 characters × 6 bits: every bit of 18 random bytes, no padding.
    expect(newTrackingCode((n) => Buffer.alloc(n, 0xff))).toBe('_'.repeat(24));
  });
  test('stored only as a sha256', () => {
    expect(hashTrackingCode('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
