/**
 * B1, the cascade: a campaign over the whole tree with every level auto-mobilising, timed
 * from the start call until the root's own status says every org has mobilised and been
 * counted by its parent (`subtree.mobilised === orgs`) — the moment an organiser at the
 * top could see the campaign has reached everyone. Every other scenario starts with this
 * cascade too (untimed for them), since escalations, directives and reads need orgs to
 * exist.
 *
 * Before it, on the same server, the baseline cascade (bench/baseline/) over the same
 * tree, so the figure comes with what the server allows: `ratio` = engine / baseline.
 */
import { orgHandle, startCampaign } from '../../client/campaigns.js';
import { CampaignSpec } from '../../domain/campaign.js';
import { LEVELS } from '../../domain/levels.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { runBaseline } from '../baseline/run.js';
import { cpuBetween, describeCpu, readCpu } from '../cpu-ledger.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { describeCost, phaseCost, scanCost, scanHistories } from '../histories.js';
import { monitor, say, until, within, type Sample } from '../live.js';
import type { Chart } from '../report.js';
import { bins, percentile, round1, round2, summarise } from '../stats.js';

export interface EngineCascade {
  spec: CampaignSpec;
  /** When the start call was made (ms since the epoch). */
  t0: number;
  seconds: number;
  samples: Sample[];
  /** False when the timeout came first (only B1 carries on then, reporting how far it got). */
  complete: boolean;
  countedAtRoot: number;
}

/** The campaign every scenario runs: all levels auto-mobilise; reports as often as the rules allow. */
export function benchSpec(ctx: RunContext): CampaignSpec {
  const root = ctx.orgs.find((o) => o.parentId === null)!;
  return CampaignSpec.parse({
    id: `bench-${ctx.args.shape}-${ctx.args.scenario}-${Date.now().toString(36)}`,
    name: '主题教育 benchmark',
    batch: 2,
    rootOrgId: root.id,
    phaseMode: 'integrated',
    startsOn: '2019-09-01',
    endsOn: '2099-12-31',
    rules: { autoMobiliseLevels: [...LEVELS], progressReportSeconds: ctx.args.reportSeconds },
  });
}

/** Starts the campaign and waits until the root counts every org as mobilised. */
export async function cascadeEngine(ctx: RunContext, label = 'cascade', allowIncomplete = false): Promise<EngineCascade> {
  const { infra, orgs } = ctx;
  const spec = benchSpec(ctx);
  const root = orgHandle(infra.client, spec.id, spec.rootOrgId);
  say(`${label}: campaign ${spec.id} over ${orgs.length} orgs (progressReportSeconds ${spec.rules.progressReportSeconds})`);
  const t0 = Date.now();
  await startCampaign(infra.client, infra.taskQueue, spec);
  let atRoot = 0;
  const m = monitor(label, t0, async () => {
    const [row] = await infra.db
      .selectFrom('events')
      .select((eb) => [eb.fn.countAll<string>().as('n')])
      .where('campaign_id', '=', spec.id)
      .where('type', '=', 'OrgMobilised')
      .execute();
    const progress = await infra.db
      .selectFrom('rm_org_progress')
      .select('subtree')
      .where('campaign_id', '=', spec.id)
      .where('org_id', '=', spec.rootOrgId)
      .executeTakeFirst();
    // A query waits for the root's current workflow task; the live line must not wait with it.
    atRoot = await within(
      root.query(orgStatusQuery).then((s) => s.subtree.mobilised),
      2000,
      atRoot,
    );
    return {
      mobilised: Number(row?.n ?? 0),
      readModelAtRoot: Number((progress?.subtree as { mobilised?: number } | undefined)?.mobilised ?? 0),
      countedAtRoot: atRoot,
      orgs: orgs.length,
    };
  });
  let complete = true;
  try {
    await until(
      () => root.query(orgStatusQuery),
      (s) => s.subtree.mobilised === orgs.length,
      ctx.args.timeoutSeconds * 1000,
      'every org counted at the root',
    );
  } catch (error) {
    // B1 on a tree too big for the server still says how far it got; the others need every org.
    if (!allowIncomplete) throw error;
    say(`${label}: ${(error as Error).message}`);
    complete = false;
  } finally {
    await m.stop();
  }
  const seconds = (Date.now() - t0) / 1000;
  if (complete)
    say(`${label}: ${orgs.length} orgs mobilised and counted at the root in ${seconds.toFixed(1)} s (${(orgs.length / seconds).toFixed(1)} orgs/s)`);
  return { spec, t0, seconds, samples: m.samples, complete, countedAtRoot: complete ? orgs.length : atRoot };
}

export async function runCascade(ctx: RunContext): Promise<ScenarioOutput> {
  const { infra, orgs, args } = ctx;
  const rootId = orgs.find((o) => o.parentId === null)!.id;
  // The CPU each cascade cost, by process, read around it: the bound on its rate once the machine is busy.
  const cpuAtBaseline = readCpu(infra.databaseUrl);
  const baseline = args.baseline ? await runBaseline(infra, rootId, orgs.length, args.timeoutSeconds) : undefined;
  const baselineCpu = baseline ? cpuBetween(cpuAtBaseline, readCpu(infra.databaseUrl), baseline.counted) : null;
  const cpuAtEngine = readCpu(infra.databaseUrl);
  const engine = await cascadeEngine(ctx, 'cascade', true);
  const engineCpu = cpuBetween(cpuAtEngine, readCpu(infra.databaseUrl), engine.countedAtRoot);
  if (baselineCpu) say(describeCpu('baseline cascade', baselineCpu, 'org'));
  say(describeCpu('engine cascade', engineCpu, 'org'));

  // When each org mobilised (workflow time), and how long after its parent: the hop latency.
  const rows = await infra.db
    .selectFrom('events')
    .select(['org_id', 'occurred_at'])
    .where('campaign_id', '=', engine.spec.id)
    .where('type', '=', 'OrgMobilised')
    .execute();
  const mobilisedAt = new Map(rows.map((r) => [r.org_id!, new Date(r.occurred_at).getTime()]));
  const hops: Array<{ t: number; v: number }> = [];
  for (const o of orgs) {
    const at = mobilisedAt.get(o.id);
    const parentAt = o.parentId ? mobilisedAt.get(o.parentId) : engine.t0;
    if (at !== undefined && parentAt !== undefined) hops.push({ t: at, v: at - parentAt });
  }
  const eventsRecorded = Number(
    (
      await infra.db
        .selectFrom('events')
        .select((eb) => [eb.fn.countAll<string>().as('n')])
        .where('campaign_id', '=', engine.spec.id)
        .executeTakeFirst()
    )?.n ?? 0,
  );

  say('cascade: reading every run history of the campaign (lengths and peaks)');
  const progress = { done: 0, total: 0 };
  const scan = monitor('histories', Date.now(), async () => ({ scanned: progress.done, runs: progress.total }));
  const histories = await scanHistories(infra.client, `CampaignId="${engine.spec.id}"`, (done, total) => Object.assign(progress, { done, total })).finally(() =>
    scan.stop(),
  );

  const cost = phaseCost(histories.cost, 'org', orgs.length);
  say(describeCost('cascade cost', cost));
  // The same count over the baseline's workflows: what a minimal cascade pays per org on the same server.
  const baselineCost = baseline ? await scanCost(infra.client, `TaskQueue="${baseline.taskQueue}"`, 'org', orgs.length) : null;

  // Incomplete (timed out): the rate is of the orgs counted so far, and says so.
  const orgsPerSecond = engine.countedAtRoot / engine.seconds;
  const hopSummary = summarise(hops.map((h) => h.v));
  const byLevel = Object.fromEntries(
    LEVELS.map((level) => {
      const times = orgs
        .filter((o) => o.level === level)
        .map((o) => mobilisedAt.get(o.id))
        .filter((t): t is number => t !== undefined);
      return [level, { orgs: times.length, lastMobilisedAfterSeconds: times.length ? round2((Math.max(...times) - engine.t0) / 1000) : null }];
    }),
  );
  const figures: Record<string, unknown> = {
    complete: engine.complete,
    countedAtRoot: engine.countedAtRoot,
    mobilised: mobilisedAt.size,
    seconds: round2(engine.seconds),
    orgsPerSecond: round2(orgsPerSecond),
    baselineOrgsPerSecond: baseline ? round2(baseline.orgsPerSecond) : null,
    baselineSeconds: baseline ? round2(baseline.seconds) : null,
    ratio: baseline ? round2(orgsPerSecond / baseline.orgsPerSecond) : null,
    maxHistoryEvents: histories.maxHistoryEvents,
    p99HistoryEvents: histories.p99HistoryEvents,
    p50HistoryEvents: histories.p50HistoryEvents,
    longestHistory: histories.longest,
    peakPendingChildren: histories.peakPendingChildren,
    peakPendingSignals: histories.peakPendingSignals,
    peakPendingActivities: histories.peakPendingActivities,
    maxSignalsReceived: histories.maxSignalsReceived,
    pendingChildrenAtEnd: histories.pendingChildrenAtEnd,
    runs: histories.runs,
    continuedAsNew: histories.continuedAsNew,
    hopLatencyMs: hopSummary,
    lastMobilisedByLevel: byLevel,
    eventsRecorded,
    campaignId: engine.spec.id,
    cost,
    baselineCost,
    cpu: { engine: engineCpu, baseline: baselineCpu },
  };

  const engineRate = bins(hops, engine.t0).map((b): [number, number] => [b.t, b.count]);
  const baselineRate = (baseline?.samples ?? []).map((s, i, all): [number, number] => {
    const prev = all[i - 1];
    return [s.t, prev ? (s.completed! - prev.completed!) / Math.max(0.1, s.t - prev.t) : 0];
  });
  const hopBins = bins(hops, engine.t0);
  const charts: Chart[] = [
    {
      title: 'Orgs counted over time',
      yLabel: 'orgs',
      lines: [
        { name: 'engine: mobilised (events)', points: engine.samples.map((s) => [s.t, s.mobilised!]) },
        { name: 'engine: counted at root', points: engine.samples.map((s) => [s.t, s.countedAtRoot!]) },
        ...(baseline ? [{ name: 'baseline: finished', points: baseline.samples.map((s): [number, number] => [s.t, s.completed!]) }] : []),
      ],
    },
    {
      title: 'Throughput (orgs per second)',
      yLabel: 'orgs/s',
      lines: [{ name: 'engine: mobilised/s', points: engineRate }, ...(baseline ? [{ name: 'baseline: finished/s', points: baselineRate }] : [])],
    },
    {
      title: 'Hop latency: parent mobilised → child mobilised, by second of the child',
      yLabel: 'ms',
      lines: [
        { name: 'p50', points: hopBins.filter((b) => b.values.length).map((b): [number, number] => [b.t, percentile(b.values, 50)]) },
        { name: 'p99', points: hopBins.filter((b) => b.values.length).map((b): [number, number] => [b.t, percentile(b.values, 99)]) },
      ],
    },
  ];
  say(
    `cascade: ${round1(orgsPerSecond)} orgs/s` +
      (baseline ? `, baseline ${round1(baseline.orgsPerSecond)} orgs/s, ratio ${round2(orgsPerSecond / baseline.orgsPerSecond)}` : '') +
      `; histories max ${histories.maxHistoryEvents}, p99 ${histories.p99HistoryEvents} events`,
  );
  return { figures, charts };
}
