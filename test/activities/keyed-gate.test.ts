import { describe, expect, test } from 'vitest';
import { KeyedGate } from '../../activities/keyed-gate.js';

/** A call that stays in flight until `finish()`. */
function held() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { call: () => done.then(() => 'sent' as const), finish };
}

describe('KeyedGate', () => {
  test('keeps at most `limit` calls in flight per key, and keys do not share places', async () => {
    const gate = new KeyedGate(2);
    const a = [held(), held(), held()];
    const runs = a.map((h) => gate.within('a', 1_000, h.call));
    const other = gate.within('b', 1_000, async () => 'sent' as const);
    expect(await other).toBe('sent');
    expect(gate.inFlight('a')).toBe(2);
    a[0]!.finish();
    expect(await runs[0]).toBe('sent');
    await Promise.resolve();
    expect(gate.inFlight('a')).toBe(2); // the waiter took the freed place
    a[1]!.finish();
    a[2]!.finish();
    expect(await Promise.all(runs)).toEqual(['sent', 'sent', 'sent']);
    expect(gate.inFlight('a')).toBe(0);
  });

  test('a call that waits too long for a place is not made and answers busy', async () => {
    const gate = new KeyedGate(1);
    const first = held();
    const running = gate.within('t', 1_000, first.call);
    let made = false;
    const late = await gate.within('t', 20, async () => {
      made = true;
      return 'sent' as const;
    });
    expect(late).toBe('busy');
    expect(made).toBe(false);
    first.finish();
    expect(await running).toBe('sent');
    expect(gate.inFlight('t')).toBe(0);
    expect(await gate.within('t', 20, async () => 'sent' as const)).toBe('sent');
  });

  test('a failing call frees its place', async () => {
    const gate = new KeyedGate(1);
    await expect(gate.within('t', 20, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(gate.inFlight('t')).toBe(0);
  });
});
