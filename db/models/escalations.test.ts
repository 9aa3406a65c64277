import { expect, test } from 'vitest';
import type { DomainEventBody } from '../../domain/events.js';
import { chainStep, type ChainEvent } from './escalations.js';

const envelope = { id: 's:1', streamId: 's', seq: 1, campaignId: 'c1', orgId: 'hx-u1', occurredAt: '2026-03-02T08:00:00.000Z' };
const event = (body: Extract<DomainEventBody, { type: ChainEvent['type'] }>) => ({ ...envelope, ...body }) as ChainEvent;

test('each hop of a chain says what happened where, when and by whom', () => {
  const at = { at: '2026-03-02T08:00:00.000Z', orgId: 'hx-u1', campaignId: 'c1' };
  expect(
    chainStep(event({ type: 'ProblemEscalated', problemId: 'p7', escalationId: 'e', targetOrgId: 'hx', targetCampaignId: 'c1', reason: 'policy', by: 'sec' })),
  ).toEqual({
    step: 'raised',
    ...at,
    by: 'sec',
    to: 'hx',
    reason: 'policy',
  });
  expect(
    chainStep(
      event({
        type: 'EscalationReceived',
        escalationId: 'e',
        originCampaignId: 'c1',
        originOrgId: 'b',
        originProblemId: 'p',
        category: 'c',
        description: 'd',
        reason: 'r',
        hop: 1,
        claimDeadline: '2026-03-09',
      }),
    ),
  ).toEqual({
    step: 'received',
    ...at,
    hop: 1,
    claimDeadline: '2026-03-09',
  });
  expect(chainStep(event({ type: 'EscalationClaimed', escalationId: 'e', problemId: 'p9', merged: true, hop: 2, by: 'org' }))).toEqual({
    step: 'merged',
    ...at,
    hop: 2,
    by: 'org',
    problemId: 'p9',
  });
  expect(chainStep(event({ type: 'EscalationProgress', problemId: 'p7', escalationId: 'e', status: 'claimed', atOrgId: 'hx', detail: null }))).toEqual({
    step: 'origin heard: claimed',
    ...at,
    from: 'hx',
    detail: null,
  });
});

test('a forward its claim deadline made is a lapse; one at the top that cannot go further is overdue', () => {
  const forwarded = (lapsed: boolean) =>
    chainStep(event({ type: 'EscalationForwarded', escalationId: 'e', toOrgId: 'hx', reason: 'not ours', lapsed, hop: 1, by: 'sec' }));
  expect(forwarded(false)).toMatchObject({ step: 'forwarded', to: 'hx', reason: 'not ours' });
  expect(forwarded(true)).toMatchObject({ step: 'lapsed', to: 'hx' });
  expect(
    chainStep(event({ type: 'EscalationOverdue', escalationId: 'e', hop: 3, claimDeadline: '2026-03-09', reason: 'deadline passed', by: 'system' })),
  ).toMatchObject({
    step: 'overdue',
    hop: 3,
    claimDeadline: '2026-03-09',
  });
});
