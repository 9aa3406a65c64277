import { describe, expect, test } from 'vitest';
import { UpdateCoalescer, type DeliveryOutcome, type UpdateCoalescerOptions } from '../../activities/update-coalescer.js';

/** A send function whose updates stay in flight until released, recording what each carried. */
function target() {
  const updates: Array<{ target: string; messages: number[]; release: (outcome: DeliveryOutcome | Error) => void }> = [];
  const send = (t: string, messages: number[]) =>
    new Promise<DeliveryOutcome>((resolve, reject) => {
      updates.push({ target: t, messages, release: (o) => (o instanceof Error ? reject(o) : resolve(o)) });
    });
  return { updates, send };
}

/** One place, 100 messages an update, no byte limit, a second's wait, unless the test says otherwise. */
const coalescer = (options: Partial<UpdateCoalescerOptions<number>> & Pick<UpdateCoalescerOptions<number>, 'send'>) =>
  new UpdateCoalescer<number>({ limit: 1, maxPerUpdate: 100, maxBytes: Infinity, waitMs: 1_000, ...options });

/** Each message weighs its own value. */
const deliver = (c: UpdateCoalescer<number>, target: string, messages: number[]) =>
  c.deliver(
    target,
    messages,
    messages.reduce((a, b) => a + b, 0),
  );

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('UpdateCoalescer', () => {
  test('keeps at most `limit` updates in flight per target; targets do not share places', async () => {
    const { updates, send } = target();
    const c = coalescer({ limit: 2, maxPerUpdate: 100, waitMs: 1_000, send });
    const a = [deliver(c, 'a', [1]), deliver(c, 'a', [2]), deliver(c, 'a', [3])];
    const b = deliver(c, 'b', [9]);
    expect(updates.map((u) => [u.target, u.messages])).toEqual([
      ['a', [1]],
      ['a', [2]],
      ['b', [9]],
    ]);
    expect(c.inFlight('a')).toBe(2);
    expect(c.waiting('a')).toBe(1);
    updates[2]!.release('sent');
    expect(await b).toBe('sent');
    updates[0]!.release('sent');
    expect(await a[0]).toBe('sent');
    await settle();
    // The waiting message took the freed place.
    expect(updates[3]).toMatchObject({ target: 'a', messages: [3] });
    updates[1]!.release('sent');
    updates[3]!.release('sent');
    expect(await Promise.all(a)).toEqual(['sent', 'sent', 'sent']);
    await settle();
    expect(c.inFlight('a')).toBe(0);
    expect(c.waiting('a')).toBe(0);
  });

  test('messages that wait for a place leave together, in updates of at most `maxPerUpdate`, and each caller gets its update’s outcome', async () => {
    const { updates, send } = target();
    const c = coalescer({ limit: 1, maxPerUpdate: 4, waitMs: 1_000, send });
    const first = deliver(c, 'city', [0]);
    const waiting = [[1, 2], [3], [4, 5], [6]].map((m) => deliver(c, 'city', m));
    expect(updates).toHaveLength(1);
    expect(c.waiting('city')).toBe(6);
    updates[0]!.release('sent');
    expect(await first).toBe('sent');
    await settle();
    // [4, 5] would have made five: it opened the next batch, and [6] joined that one.
    expect(updates.map((u) => u.messages)).toEqual([[0], [1, 2, 3]]);
    updates[1]!.release('gone');
    await settle();
    expect(updates.map((u) => u.messages)).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
    updates[2]!.release(new Error('refused'));
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['gone', 'gone', 'refused', 'refused']);
    await settle();
    expect(c.inFlight('city')).toBe(0);
  });

  test('a caller whose batch does not leave within `waitMs` takes its messages back and answers busy', async () => {
    const { updates, send } = target();
    const c = coalescer({ limit: 1, maxPerUpdate: 100, waitMs: 20, send });
    const running = deliver(c, 't', [1]);
    const late = deliver(c, 't', [2, 3]);
    expect(c.waiting('t')).toBe(2);
    expect(await late).toBe('busy');
    expect(c.waiting('t')).toBe(0);
    updates[0]!.release('sent');
    expect(await running).toBe('sent');
    await settle();
    // Nothing of the busy caller's was sent, and the target has its place back.
    expect(updates.map((u) => u.messages)).toEqual([[1]]);
    expect(c.inFlight('t')).toBe(0);
    const again = deliver(c, 't', [2, 3]);
    expect(updates[1]!.messages).toEqual([2, 3]);
    updates[1]!.release('sent');
    expect(await again).toBe('sent');
  });

  test('a caller larger than `maxPerUpdate` still goes whole, in an update of its own', async () => {
    const { updates, send } = target();
    const c = coalescer({ limit: 1, maxPerUpdate: 2, waitMs: 1_000, send });
    const first = deliver(c, 't', [1]);
    const big = deliver(c, 't', [2, 3, 4]);
    const small = deliver(c, 't', [5]);
    updates[0]!.release('sent');
    await settle();
    expect(updates[1]!.messages).toEqual([2, 3, 4]);
    updates[1]!.release('sent');
    await settle();
    expect(updates[2]!.messages).toEqual([5]);
    updates[2]!.release('sent');
    expect(await Promise.all([first, big, small])).toEqual(['sent', 'sent', 'sent']);
  });

  test('a batch also closes at `maxBytes`', async () => {
    const { updates, send } = target();
    const c = coalescer({ maxBytes: 10, send });
    const first = deliver(c, 't', [1]);
    const waiting = [[4, 5], [2], [3, 3], [9]].map((m) => deliver(c, 't', m));
    updates[0]!.release('sent');
    await settle();
    updates[1]!.release('sent');
    await settle();
    updates[2]!.release('sent');
    await settle();
    // 4 + 5 + 2 would weigh 11; [2] opens the next batch, [3, 3] joins it (8), [9] opens a third.
    expect(updates.map((u) => u.messages)).toEqual([[1], [4, 5], [2, 3, 3], [9]]);
    updates[3]!.release('sent');
    expect(await Promise.all([first, ...waiting])).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
  });
});
