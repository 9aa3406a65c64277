/**
 * B2, the escalation storm (下题上答 all at once): after the cascade, K branches picked at
 * random (seeded, so a rerun picks the same ones) each record a problem and escalate it —
 * even-numbered ones to their district, odd-numbered ones to the city — all K fired
 * together through the client, the way K secretaries pressing the button in the same
 * minute would reach the API.
 *
 * Latency is measured from the moment the escalate update returned to the client (the
 * origin has decided and recorded `ProblemEscalated`) to the moment the target's
 * `EscalationReceived` event is in the `events` table (its `recorded_at`, the database's
 * clock on this same machine): that row is what the target's read model and every API
 * reader see, so it is the acknowledgement a user could observe. The origin's
 * `EscalationProgress → acknowledged` row is measured too, since that is the round trip
 * the branch secretary sees.
 *
 * Then, unless `--no-storm-baseline`, the same picks fired the same way through minimal
 * workflows on the same server (bench/baseline/storm.ts): `stormBaseline`, and the engine's p99s
 * over its (`p99OverStormBaseline`), so what the storm costs beyond the minimal exchange is measured.
 */
import { sql } from 'kysely';
import { orgWorkflowId } from '../../domain/workflow-ids.js';
import { escalateProblemUpdate, recordProblemUpdate } from '../../workflows/messages.js';
import { runStormBaseline, type StormBaseline } from '../baseline/storm.js';
import { orgCommandSender } from '../org-commands.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { cpuBetween, describeCpu, readCpu } from '../cpu-ledger.js';
import { COST_SETTLE_MS, scanCost } from '../histories.js';
import { failureText, monitor, say, sleep } from '../live.js';
import type { Chart } from '../report.js';
import { bins, percentile, round1, round2, summarise } from '../stats.js';
import { ackSummaries, fireByBranch, latenciesAfterReturn, picksByBranch, stormPicks, targetKind, type Returned, type StormPick } from '../storm.js';
import { cascadeEngine, type EngineCascade } from './cascade.js';

export interface Storm {
  figures: Record<string, unknown>;
  charts: Chart[];
  /** When the first call went out and when the last acknowledgement was recorded (ms since the epoch). */
  startedAt: number;
  endedAt: number;
  /** The escalations fired, for the baseline to fire the same ones. */
  picks: StormPick[];
}

const by = 'secretary:bench';

/** Fires the storm on a campaign whose orgs are all mobilised and waits for every acknowledgement. */
export async function escalationStorm(ctx: RunContext, cascade: EngineCascade): Promise<Storm> {
  const { infra, orgs, args } = ctx;
  const root = orgs.find((o) => o.parentId === null)!;
  const k = args.escalations;
  const picks = stormPicks(orgs, args.seed, k);
  const campaignId = cascade.spec.id;
  const send = orgCommandSender(infra, campaignId);

  const returnedAt = new Map<string, Returned>();
  const failures: string[] = [];
  let received = 0;
  let acknowledged = 0;
  const cpuAtStart = readCpu(infra.databaseUrl);
  const startedAt = Date.now();
  const m = monitor('escalations', startedAt, async () => ({ returned: returnedAt.size, received, acknowledged, failed: failures.length, k }));

  // Every branch at once, each branch's own escalations one after the other: a secretary
  // presses one button at a time, and Temporal refuses more than a few updates in flight
  // on one workflow (history.maxInFlightUpdates), which on a small tree (27 branches for
  // 1,000 escalations) would measure that limit instead of the engine.
  const byBranch = picksByBranch(picks);
  say(`escalations: ${k} escalations from ${byBranch.size} random branches (half to their district, half to ${root.id}), all branches at once`);
  const firing = fireByBranch(byBranch, fire);
  async function fire({ i, branch, target }: StormPick): Promise<void> {
    const problemId = `storm-${i}`;
    try {
      await send(branch.id, recordProblemUpdate, { problemId, source: 'self_inspection', category: '减负', description: `同一张表反复填报（${i}）`, by });
      const sent = Date.now();
      const { escalationId } = await send(branch.id, escalateProblemUpdate, { problemId, targetOrgId: target.id, reason: '根子在上面', by });
      const at = Date.now();
      returnedAt.set(escalationId, { at, callMs: at - sent, target: targetKind(target) });
    } catch (error) {
      failures.push(`${branch.id}#${problemId}: ${failureText(error)}`);
      // The first one at once: a long storm should not hide why calls fail until it ends.
      if (failures.length === 1) say(`escalations: first failure ${failures[0]}`);
    }
  }

  type Row = { id: string; recorded_at: Date; occurred_at: Date };
  const rowsOf = async (type: string, status?: string): Promise<Row[]> => {
    let q = infra.db
      .selectFrom('events')
      .select([sql<string>`payload->>'escalationId'`.as('id'), sql<Date>`recorded_at`.as('recorded_at'), sql<Date>`occurred_at`.as('occurred_at')])
      .where('campaign_id', '=', campaignId)
      .where('type', '=', type);
    if (status) q = q.where(sql<string>`payload->>'status'`, '=', status);
    return q.execute();
  };
  let receivedRows: Row[];
  let ackRows: Row[];
  const deadline = Date.now() + args.timeoutSeconds * 1000;
  let fired = false;
  void firing.then(() => (fired = true));
  for (;;) {
    receivedRows = await rowsOf('EscalationReceived');
    ackRows = await rowsOf('EscalationProgress', 'acknowledged');
    received = receivedRows.length;
    acknowledged = ackRows.length;
    if (fired && received >= returnedAt.size && acknowledged >= returnedAt.size) break;
    if (Date.now() > deadline) {
      await m.stop();
      throw new Error(`escalations: after ${args.timeoutSeconds} s, ${received} received and ${acknowledged} acknowledged of ${returnedAt.size} sent`);
    }
    await sleep(200);
  }
  await firing;
  await m.stop();
  // The storm's CPU by process, from the first call to the last acknowledgement seen, per escalation answered.
  const cpu = cpuBetween(cpuAtStart, readCpu(infra.databaseUrl), returnedAt.size);
  say(describeCpu('escalations', cpu, 'escalation'));
  if (failures.length) say(`escalations: ${failures.length} calls failed, e.g. ${failures[0]}`);

  const latencies = (rows: Row[], clock: 'recorded_at' | 'occurred_at') =>
    latenciesAfterReturn(
      returnedAt,
      rows.map((r) => [r.id, new Date(r[clock]).getTime()] as const),
    );
  const receivedLat = latencies(receivedRows, 'recorded_at');
  const receivedLatWorkflowClock = latencies(receivedRows, 'occurred_at');
  const ackLat = latencies(ackRows, 'recorded_at');
  const endedAt = Math.max(...receivedRows.map((r) => new Date(r.recorded_at).getTime()), ...ackRows.map((r) => new Date(r.recorded_at).getTime()));
  const seconds = (endedAt - startedAt) / 1000;

  const events = await infra.db
    .selectFrom('events')
    .select(sql<Date>`recorded_at`.as('recorded_at'))
    .where('campaign_id', '=', campaignId)
    .where(sql<boolean>`recorded_at between ${new Date(startedAt)} and ${new Date(endedAt)}`)
    .execute();
  const eventTimes = events.map((e) => ({ t: new Date(e.recorded_at).getTime() }));
  const callMs = [...returnedAt.values()].map((r) => r.callMs);
  // What the storm cost in the histories: from the first call until the reports it caused have settled.
  await sleep(COST_SETTLE_MS);
  const cost = await scanCost(
    infra.client,
    `CampaignId="${campaignId}"`,
    'escalation (2 updates: recordProblem, escalateProblem)',
    returnedAt.size,
    { from: startedAt, to: Date.now() },
    new Set([...byBranch.keys()].map((id) => orgWorkflowId(campaignId, id))),
  );

  const figures: Record<string, unknown> = {
    escalations: k,
    sent: returnedAt.size,
    failed: failures.length,
    failureSamples: failures.slice(0, 3),
    branchesEscalating: byBranch.size,
    seconds: round2(seconds),
    /** Headline: the target's EscalationReceived row, from the escalate call's return (and by target level). */
    ...ackSummaries(receivedLat),
    ackLatencyMsWorkflowClock: summarise(receivedLatWorkflowClock.map((l) => l.v)),
    originAcknowledgedLatencyMs: summarise(ackLat.map((l) => l.v)),
    escalateCallMs: summarise(callMs),
    escalationsPerSecond: round1(returnedAt.size / seconds),
    eventsPerSecond: round1(events.length / seconds),
    eventsDuringStorm: events.length,
    cpu,
    campaignId,
    prepareCascadeSeconds: round2(cascade.seconds),
    cost,
  };
  const lat = bins(receivedLat, startedAt);
  const charts: Chart[] = [
    {
      title: 'Escalations acknowledged over time (target EscalationReceived rows)',
      yLabel: 'escalations',
      lines: [
        { name: 'returned to caller', points: m.samples.map((s) => [s.t, s.returned!]) },
        { name: 'received at target', points: m.samples.map((s) => [s.t, s.received!]) },
        { name: 'acknowledged at origin', points: m.samples.map((s) => [s.t, s.acknowledged!]) },
      ],
    },
    {
      title: 'Throughput: events recorded per second',
      yLabel: 'events/s',
      lines: [{ name: 'events/s', points: bins(eventTimes, startedAt).map((b): [number, number] => [b.t, b.count]) }],
    },
    {
      title: 'Ack latency by second the escalate call returned',
      yLabel: 'ms',
      lines: [
        { name: 'p50', points: lat.filter((b) => b.values.length).map((b): [number, number] => [b.t, percentile(b.values, 50)]) },
        { name: 'p99', points: lat.filter((b) => b.values.length).map((b): [number, number] => [b.t, percentile(b.values, 99)]) },
      ],
    },
  ];
  const ack = figures.ackLatencyMs as { p50: number; p99: number };
  say(
    `escalations: ${returnedAt.size} acknowledged in ${seconds.toFixed(1)} s; ack p50 ${ack.p50} ms, p99 ${ack.p99} ms; ${round1(events.length / seconds)} events/s`,
  );
  return { figures, charts, startedAt, endedAt, picks };
}

type P99s = Record<'ackLatencyMs' | 'originAcknowledgedLatencyMs' | 'escalateCallMs', { p99: number }>;

/** The engine's p99s over the storm baseline's: how many times the minimal exchange's each one is. */
function p99Ratios(engine: P99s, minimal: P99s): Record<keyof P99s, number> {
  const ratio = (key: keyof P99s) => round2(engine[key].p99 / minimal[key].p99);
  return { ackLatencyMs: ratio('ackLatencyMs'), originAcknowledgedLatencyMs: ratio('originAcknowledgedLatencyMs'), escalateCallMs: ratio('escalateCallMs') };
}

export async function runEscalations(ctx: RunContext): Promise<ScenarioOutput> {
  const cascade = await cascadeEngine(ctx, 'prepare');
  const storm = await escalationStorm(ctx, cascade);
  // The same escalations through minimal workflows on the same server (bench/baseline/storm.ts), unless --no-storm-baseline.
  const stormBaseline: StormBaseline | null = ctx.args.stormBaseline ? await runStormBaseline(ctx.infra, storm.picks, ctx.args.timeoutSeconds) : null;
  let p99OverStormBaseline: Record<keyof P99s, number> | null = null;
  if (stormBaseline) {
    const engine = storm.figures as P99s;
    const r = (p99OverStormBaseline = p99Ratios(engine, stormBaseline));
    say(
      `escalations: engine / minimal p99: ack ${engine.ackLatencyMs.p99} / ${stormBaseline.ackLatencyMs.p99} ms (${r.ackLatencyMs}×), ` +
        `origin acknowledged ${engine.originAcknowledgedLatencyMs.p99} / ${stormBaseline.originAcknowledgedLatencyMs.p99} ms (${r.originAcknowledgedLatencyMs}×), ` +
        `escalate call ${engine.escalateCallMs.p99} / ${stormBaseline.escalateCallMs.p99} ms (${r.escalateCallMs}×)`,
    );
  }
  return { figures: { ...storm.figures, stormBaseline, p99OverStormBaseline }, charts: storm.charts };
}
