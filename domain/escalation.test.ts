import { expect, test } from 'vitest';
import {
  awaitsClaim,
  claimDeadlineOutcome,
  compactInbox,
  escalationIdOf,
  isNewer,
  messageFromReceived,
  nextBatch,
  originWorkflowOf,
  type EscalationNotice,
  type OutgoingSignal,
} from './escalation.js';

const notice = (status: EscalationNotice['status'], hop: number): EscalationNotice => ({ escalationId: 'e', status, atOrgId: 'x', detail: null, hop });

test('notices that cross keep the furthest news: a later hop, or a later step at one hop; an answer is final', () => {
  expect(isNewer({ status: 'sent', hop: 0 }, notice('acknowledged', 1))).toBe(true);
  expect(isNewer({ status: 'acknowledged', hop: 2 }, notice('forwarded', 1))).toBe(false); // the forward from hop 1 arrived after hop 2's ack
  expect(isNewer({ status: 'acknowledged', hop: 1 }, notice('claimed', 1))).toBe(true);
  expect(isNewer({ status: 'claimed', hop: 1 }, notice('acknowledged', 1))).toBe(false);
  expect(isNewer({ status: 'claimed', hop: 1 }, notice('answered', 1))).toBe(true);
  expect(isNewer({ status: 'answered', hop: 1 }, notice('acknowledged', 5))).toBe(false);
});

test('an inbox carried from before compaction keeps its status, hop, deadline and claim, and loses the text', () => {
  const message = {
    escalationId: 'campaign/c1/org/hx-u1-b3#p7',
    origin: { campaignId: 'c1', orgId: 'hx-u1-b3', problemId: 'p7', workflowId: 'campaign/c1/org/hx-u1-b3' },
    category: '政策',
    description: '长文本'.repeat(500),
    reason: '根子在上面',
    hop: 2,
  };
  const carried = { [message.escalationId]: { message, status: 'claimed' as const, claimDeadlineMs: 42, problemId: 'esc-1' } };
  const current = { 'campaign/c1/org/b#p1': { status: 'pending' as const, hop: 1, claimDeadlineMs: 7, problemId: null } };
  expect(compactInbox({ ...carried, ...current })).toEqual({
    [message.escalationId]: { status: 'claimed', hop: 2, claimDeadlineMs: 42, problemId: 'esc-1' },
    ...current,
  });
});

test('the origin workflow is read from the escalation id, and a stored message rebuilt for the next hop', () => {
  const id = escalationIdOf('campaign/c1/org/hx-u1-b3', 'p7');
  expect(originWorkflowOf(id)).toBe('campaign/c1/org/hx-u1-b3');
  const received = {
    escalationId: id,
    originCampaignId: 'c1',
    originOrgId: 'hx-u1-b3',
    originProblemId: 'p7',
    category: '政策',
    description: '文本',
    reason: '因为',
  };
  expect(messageFromReceived(received, 3)).toEqual({
    escalationId: id,
    origin: { campaignId: 'c1', orgId: 'hx-u1-b3', problemId: 'p7', workflowId: 'campaign/c1/org/hx-u1-b3' },
    category: '政策',
    description: '文本',
    reason: '因为',
    hop: 3,
  });
});

test('delivery batches stop at the count or the byte budget, and always take at least one', () => {
  const small = (i: number): OutgoingSignal => ({ workflowId: `w${i}`, signal: 'escalationNotice', payload: null, originProblemId: null });
  const big: OutgoingSignal = { ...small(0), payload: { escalationId: 'e', status: 'answered', atOrgId: 'x', detail: '字'.repeat(5000), hop: 1 } };
  const many = Array.from({ length: 1200 }, (_, i) => small(i));
  expect(nextBatch(many, 500, 1 << 20)).toHaveLength(500);
  expect(nextBatch(many.slice(0, 20), 500, 1 << 20)).toHaveLength(20);
  expect(nextBatch([big, big, big], 500, 20_000)).toHaveLength(1);
  expect(nextBatch([big, big, big], 500, 40_000)).toHaveLength(2);
  expect(nextBatch([], 500, 1000)).toEqual([]);
});

test('a passed claim deadline forwards below the top and turns the escalation red at the top, once', () => {
  const pending = { status: 'pending' as const, claimDeadlineMs: 1000 };
  expect(claimDeadlineOutcome(pending, 999, false)).toBe('wait');
  expect(claimDeadlineOutcome(pending, 999, true)).toBe('wait');
  expect(claimDeadlineOutcome(pending, 1000, false)).toBe('forward');
  expect(claimDeadlineOutcome(pending, 1000, true)).toBe('overdue');
  // Already red, claimed or forwarded: nothing more (a lapse counts once).
  for (const status of ['overdue', 'claimed', 'forwarded'] as const) expect(claimDeadlineOutcome({ status, claimDeadlineMs: 1000 }, 5000, true)).toBe('none');
  // A red escalation still waits for its claim; a claimed or forwarded one does not.
  expect([
    awaitsClaim({ status: 'pending' }),
    awaitsClaim({ status: 'overdue' }),
    awaitsClaim({ status: 'claimed' }),
    awaitsClaim({ status: 'forwarded' }),
  ]).toEqual([true, true, false, false]);
});
