/**
 * B5, projection rebuild: `rebuildProjections` (db/event-store.ts) empties the read models
 * and replays every stored event into them in one transaction — what
 * `npm run rebuild-projections` does after a projection change. The events are those the
 * cascade left (every org started, mobilised, its components opened, its progress
 * published), plus, to give the ledger tables rows too, a storm of `--escalations`
 * problems escalated (B2's, untimed here). Figures: events per second and the total time.
 */
import { rebuildProjections } from '../../db/event-store.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { monitor, say } from '../live.js';
import type { Chart } from '../report.js';
import { round1, round2 } from '../stats.js';
import { cascadeEngine } from './cascade.js';
import { escalationStorm } from './escalations.js';

export async function runRebuild(ctx: RunContext): Promise<ScenarioOutput> {
  const { infra } = ctx;
  const cascade = await cascadeEngine(ctx, 'prepare');
  await escalationStorm(ctx, cascade);
  // Let the last debounced progress reports land, so the rebuild sees a settled log.
  await new Promise((r) => setTimeout(r, (ctx.args.reportSeconds + 2) * 1000));
  const total = Number(
    (
      await infra.db
        .selectFrom('events')
        .select((eb) => [eb.fn.countAll<string>().as('n')])
        .executeTakeFirst()
    )?.n ?? 0,
  );
  say(`rebuild: replaying ${total} events into the read models`);
  let applied = 0;
  const t0 = Date.now();
  const m = monitor('rebuild', t0, async () => ({ applied, total }));
  const result = await rebuildProjections(infra.db, (n) => {
    applied = n;
  }).finally(() => m.stop());
  const seconds = (Date.now() - t0) / 1000;
  const figures: Record<string, unknown> = {
    seconds: round2(seconds),
    events: result.events,
    eventsPerSecond: round1(result.events / seconds),
    campaignId: cascade.spec.id,
  };
  const charts: Chart[] = [
    { title: 'Events replayed', yLabel: 'events', lines: [{ name: 'applied', points: m.samples.map((s) => [s.t, s.applied!]) }] },
    {
      title: 'Throughput (events per second, between samples)',
      yLabel: 'events/s',
      lines: [
        {
          name: 'events/s',
          points: m.samples.map((s, i, all): [number, number] => [s.t, i ? (s.applied! - all[i - 1]!.applied!) / Math.max(0.1, s.t - all[i - 1]!.t) : 0]),
        },
      ],
    },
  ];
  say(`rebuild: ${result.events} events in ${seconds.toFixed(1)} s (${round1(result.events / seconds)} events/s)`);
  return { figures, charts };
}
