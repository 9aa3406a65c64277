import { describe, expect, it } from 'vitest';
import { EventStream, stamp } from './event-envelope.js';

const stream = { streamId: 'campaign/c1/joint/j1', campaignId: 'c1', orgId: 'tj' };

describe('event envelope', () => {
  it('stamps the id, stream, seq, campaign, org and workflow time', () => {
    expect(stamp(stream, 7, { type: 'JointProblemClosed', jointId: 'j1' }, Date.UTC(2026, 11, 6))).toEqual({
      type: 'JointProblemClosed',
      jointId: 'j1',
      id: 'campaign/c1/joint/j1:7',
      streamId: 'campaign/c1/joint/j1',
      seq: 7,
      campaignId: 'c1',
      orgId: 'tj',
      occurredAt: '2026-12-06T00:00:00.000Z',
    });
  });

  it('numbers a stream on from where it stands, into its outbox', () => {
    let now = 1_000;
    const events = new EventStream(stream, 3, () => now);
    events.emit({ type: 'JointProblemClosed', jointId: 'j1' });
    now = 2_000;
    events.emit({ type: 'JointProblemClosed', jointId: 'j1' });
    expect(events.seq).toBe(5);
    expect(events.outbox.map((e) => [e.id, e.occurredAt])).toEqual([
      ['campaign/c1/joint/j1:4', new Date(1_000).toISOString()],
      ['campaign/c1/joint/j1:5', new Date(2_000).toISOString()],
    ]);
  });
});
