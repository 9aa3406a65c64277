/**
 * The tracking code a public message's sender gets: 144 random bits as 24 base64url
 * characters. Only its sha256 is stored (`public_message_codes`), like API tokens; it
 * never enters a workflow, an event or the Temporal UI. The API makes and checks codes; it lives here, not in domain/, because it uses Node crypto.
 */
import { createHash, randomBytes } from 'node:crypto';

const CODE_BYTES = 18;

/** 24 characters of the base64url alphabet. */
export const TRACKING_CODE = /^[A-Za-z0-9_-]{24}$/;

/** A fresh code; `random` is injectable for tests. */
export function newTrackingCode(random: (n: number) => Buffer = randomBytes): string {
  return random(CODE_BYTES).toString('base64url');
}

/** The only form a code is stored and looked up in. */
export function hashTrackingCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
