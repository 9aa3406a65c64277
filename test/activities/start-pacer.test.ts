import { describe, expect, it } from 'vitest';
import { StartPacer } from '../../activities/start-pacer.js';

/** A pacer on a fake clock whose backlog readings come from a script. */
function pacerOver(readings: Array<number | undefined | Error>, limit = 100) {
  const clock = { t: 0 };
  const reads: number[] = [];
  const pacer = new StartPacer({
    limit,
    refreshMs: 500,
    now: () => clock.t,
    readBacklog: async () => {
      reads.push(clock.t);
      const next = readings.length > 1 ? readings.shift() : readings[0];
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { pacer, reads, clock };
}

describe('StartPacer', () => {
  it('lets starts go on while the backlog is under the limit', async () => {
    const { pacer } = pacerOver([99]);
    expect(await pacer.paused()).toBeUndefined();
  });

  it('pauses starts at or above the limit, and lets them go on once a fresh reading is under it', async () => {
    const { pacer, clock } = pacerOver([100, 5000, 12]);
    expect(await pacer.paused()).toBe(100);
    clock.t += 499;
    expect(await pacer.paused()).toBe(100); // the same reading, still fresh
    clock.t += 1;
    expect(await pacer.paused()).toBe(5000);
    clock.t += 500;
    expect(await pacer.paused()).toBeUndefined();
  });

  it('shares one reading between every fan-out within the refresh interval', async () => {
    const { pacer, reads } = pacerOver([10]);
    await Promise.all(Array.from({ length: 50 }, () => pacer.paused()));
    expect(reads).toEqual([0]);
  });

  it('does not pause on a server that cannot report its backlog', async () => {
    for (const reading of [undefined, new Error('PERMISSION_DENIED')]) {
      const { pacer } = pacerOver([reading]);
      expect(await pacer.paused()).toBeUndefined();
    }
  });
});
