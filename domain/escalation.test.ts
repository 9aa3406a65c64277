import { expect, test } from 'vitest';
import { isNewer, type EscalationNotice } from './escalation.js';

const notice = (status: EscalationNotice['status'], hop: number): EscalationNotice => ({ escalationId: 'e', status, atOrgId: 'x', detail: null, hop });

test('notices that cross keep the furthest news: a later hop, or a later step at one hop; an answer is final', () => {
  expect(isNewer({ status: 'sent', hop: 0 }, notice('acknowledged', 1))).toBe(true);
  expect(isNewer({ status: 'acknowledged', hop: 2 }, notice('forwarded', 1))).toBe(false); // the forward from hop 1 arrived after hop 2's ack
  expect(isNewer({ status: 'acknowledged', hop: 1 }, notice('claimed', 1))).toBe(true);
  expect(isNewer({ status: 'claimed', hop: 1 }, notice('acknowledged', 1))).toBe(false);
  expect(isNewer({ status: 'claimed', hop: 1 }, notice('answered', 1))).toBe(true);
  expect(isNewer({ status: 'answered', hop: 1 }, notice('acknowledged', 5))).toBe(false);
});
