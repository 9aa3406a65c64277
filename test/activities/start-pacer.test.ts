import { describe, expect, it } from 'vitest';
import { StartPacer } from '../../activities/start-pacer.js';

/** A pacer on a fake clock: sleeping advances time, and each reading comes from a script. */
function pacerOver(readings: Array<number | undefined | Error>, limit = 100) {
  let clock = 0;
  const reads: number[] = [];
  const pacer = new StartPacer({
    limit,
    refreshMs: 500,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    readBacklog: async () => {
      reads.push(clock);
      const next = readings.length > 1 ? readings.shift() : readings[0];
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { pacer, reads, elapsed: () => clock };
}

describe('StartPacer', () => {
  it('lets a start through at once while the backlog is under the limit', async () => {
    const { pacer, elapsed } = pacerOver([3]);
    await pacer.admit();
    expect(elapsed()).toBe(0);
    expect(pacer.waited).toEqual({ starts: 0, ms: 0 });
  });

  it('waits while the backlog is at or above the limit, heartbeating on every refresh', async () => {
    const { pacer, elapsed } = pacerOver([5000, 800, 100, 99]);
    let beats = 0;
    await pacer.admit(() => beats++);
    expect(elapsed()).toBe(1500);
    expect(beats).toBe(3);
    expect(pacer.waited).toEqual({ starts: 1, ms: 1500 });
  });

  it('shares one reading between starts within the refresh interval', async () => {
    const { pacer, reads } = pacerOver([10]);
    await Promise.all(Array.from({ length: 50 }, () => pacer.admit()));
    expect(reads).toEqual([0]);
  });

  it('does not wait on a server that cannot report its backlog', async () => {
    for (const reading of [undefined, new Error('PERMISSION_DENIED')]) {
      const { pacer, elapsed } = pacerOver([reading]);
      await pacer.admit();
      expect(elapsed()).toBe(0);
    }
  });
});
