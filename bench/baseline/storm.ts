/**
 * Runs the storm baseline (./storm-workflow.ts) on the run's server, after the engine's B2
 * storm, with the same picks fired the same way (bench/storm.ts): one origin workflow per branch
 * picked and one target workflow per district picked and the city, on their own task queue and
 * worker (`baselineWorker`: the engine worker's settings), their first workflow tasks done before
 * the storm; then every branch at once, each sending `stormRecord` then `stormEscalate` per
 * escalation, as the engine's storm sends `recordProblem` then `escalateProblem`.
 *
 * Its figures mirror the engine's: `escalateCallMs` times the escalate update alone (from the
 * moment the record update answered), as the engine's storm times its escalate call;
 * `ackLatencyMs` runs from the escalate call's return to the completion of the target's workflow
 * task that handled the escalation's signal, `originAcknowledgedLatencyMs` to the origin's task
 * that handled the acknowledgement (both read from the histories, see ./storm-workflow.ts); then
 * the cost from the histories, counted as the engine's (bench/histories.ts). Its workflows are
 * terminated at the end.
 *
 * Its worker runs in the harness process (the engine's is a process of its own), so the
 * harness's 2,000 client calls share the baseline worker's main thread; the engine's worker
 * process idles beside it.
 */
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { cpuBetween, describeCpu, readCpu, type CpuSpan } from '../cpu-ledger.js';
import { scanCost, type PhaseCost } from '../histories.js';
import type { Infra } from '../infra.js';
import { failureText, monitor, say, until } from '../live.js';
import { pool, round1, round2, summarise, type Summary } from '../stats.js';
import { ackSummaries, fireByBranch, latenciesAfterReturn, picksByBranch, signalsHandledAt, targetKind, type Returned, type StormPick } from '../storm.js';
import { baselineWorker } from './run.js';
import {
  stormCountsQuery,
  stormEscalateUpdate,
  stormRecordUpdate,
  type StormAcknowledged,
  type StormCounts,
  type StormEscalated,
  type stormOriginWorkflow,
  type stormTargetWorkflow,
} from './storm-workflow.js';

export interface StormBaseline {
  escalations: number;
  sent: number;
  failed: number;
  failureSamples: string[];
  /** Signals the server refused (a lost message); 0 unless something is wrong. */
  signalsFailed: number;
  branchesEscalating: number;
  /** From the first call until the last acknowledgement was handled at its origin. */
  seconds: number;
  /** The escalate update alone, from the record update's answer to its own (as the engine's `escalateCallMs`). */
  escalateCallMs: Summary;
  /** From the escalate call's return to the target's workflow task that handled it. */
  ackLatencyMs: Summary;
  ackLatencyMsByTarget: { district: Summary; city: Summary };
  /** From the escalate call's return to the origin's workflow task that handled the acknowledgement. */
  originAcknowledgedLatencyMs: Summary;
  escalationsPerSecond: number;
  taskQueue: string;
  cost: PhaseCost;
  cpu: CpuSpan;
}

const PARALLEL = 32;

export async function runStormBaseline(infra: Infra, picks: readonly StormPick[], timeoutSeconds: number): Promise<StormBaseline> {
  const { client } = infra;
  const { taskQueue, worker, connection } = await baselineWorker(infra, './storm-workflow.ts');
  const running = worker.run();
  const prefix = `baseline-storm/${randomBytes(3).toString('hex')}`;
  const byBranch = picksByBranch(picks);
  const originId = (branchId: string) => `${prefix}/origin/${branchId}`;
  const targetId = (orgId: string) => `${prefix}/target/${orgId}`;
  const originIds = [...byBranch.keys()].map(originId);
  const targetIds = [...new Set(picks.map((p) => p.target.id))].map(targetId);
  const handles: WorkflowHandle[] = [];
  try {
    await pool(
      [...originIds.map((id) => ['stormOriginWorkflow', id] as const), ...targetIds.map((id) => ['stormTargetWorkflow', id] as const)],
      PARALLEL,
      async ([type, workflowId]) => {
        handles.push(await client.workflow.start<typeof stormOriginWorkflow | typeof stormTargetWorkflow>(type, { workflowId, taskQueue }));
      },
    );
    // Their first workflow tasks done (started, scheduled, started, completed) before the storm: what is counted is the storm's.
    await pool(handles, PARALLEL, (h) =>
      until(
        () => h.describe(),
        (d) => d.historyLength >= 4,
        60_000,
        `the first workflow task of ${h.workflowId}`,
      ),
    );
    say(`storm baseline: ${picks.length} escalations from ${originIds.length} origin workflows to ${targetIds.length} targets, on task queue ${taskQueue}`);

    const returnedAt = new Map<string, Returned>();
    const failures: string[] = [];
    const seen = { received: 0, acknowledged: 0 };
    const cpuAtStart = readCpu(infra.databaseUrl);
    const startedAt = Date.now();
    const m = monitor('storm baseline', startedAt, async () => ({ returned: returnedAt.size, ...seen, failed: failures.length, k: picks.length }));
    const firing = fireByBranch(byBranch, async ({ i, branch, target }) => {
      const origin = client.workflow.getHandle(originId(branch.id));
      const problemId = `storm-${i}`;
      try {
        await origin.executeUpdate(stormRecordUpdate, { args: [{ problemId }] });
        const sent = Date.now();
        const { escalationId } = await origin.executeUpdate(stormEscalateUpdate, { args: [{ problemId, targetWorkflowId: targetId(target.id) }] });
        const at = Date.now();
        returnedAt.set(escalationId, { at, callMs: at - sent, target: targetKind(target) });
      } catch (error) {
        failures.push(`${branch.id}#${problemId}: ${failureText(error)}`);
        if (failures.length === 1) say(`storm baseline: first failure ${failures[0]}`);
      }
    });
    let fired = false;
    void firing.then(() => (fired = true));
    const counts = async (ids: readonly string[]): Promise<StormCounts[]> => pool(ids, PARALLEL, (id) => client.workflow.getHandle(id).query(stormCountsQuery));
    const total = (all: StormCounts[], key: keyof StormCounts) => all.reduce((sum, c) => sum + c[key], 0);
    const deadline = startedAt + timeoutSeconds * 1000;
    // The targets (17 queries) until every escalation is received, then the origins until every one is acknowledged.
    await until(
      async () => (seen.received = total(await counts(targetIds), 'received')),
      () => fired && seen.received >= returnedAt.size,
      deadline - Date.now(),
      'the storm baseline’s targets to receive every escalation',
    );
    const atOrigins = await until(
      () => counts(originIds),
      (all) => (seen.acknowledged = total(all, 'acknowledged')) >= returnedAt.size,
      Math.max(10_000, deadline - Date.now()),
      'the storm baseline’s origins to note every acknowledgement',
    );
    await firing;
    await m.stop();
    // The baseline's worker runs in the harness: its CPU is under `harness` (with the polling of the counts).
    const cpu = cpuBetween(cpuAtStart, readCpu(infra.databaseUrl), returnedAt.size);
    say(describeCpu('storm baseline', cpu, 'escalation'));
    const signalsFailed = total(atOrigins, 'signalsFailed') + total(await counts(targetIds), 'signalsFailed');
    if (failures.length) say(`storm baseline: ${failures.length} calls failed, e.g. ${failures[0]}`);

    // When each escalation was handled at its target and its acknowledgement at its origin, from their histories.
    const handledAt = async (ids: readonly string[], signalName: string, idOf: (arg: unknown) => string): Promise<Map<string, number>> => {
      const all = new Map<string, number>();
      await pool(ids, 16, async (id) => {
        const history = await client.workflow.getHandle(id).fetchHistory();
        for (const [k, t] of signalsHandledAt((history.events ?? []) as Array<Record<string, unknown>>, signalName, idOf)) all.set(k, t);
      });
      return all;
    };
    const received = await handledAt(targetIds, 'stormEscalated', (arg) => (arg as StormEscalated).escalationId);
    const acknowledged = await handledAt(originIds, 'stormAcknowledged', (arg) => (arg as StormAcknowledged).escalationId);
    const receivedLat = latenciesAfterReturn(returnedAt, received);
    const ackLat = latenciesAfterReturn(returnedAt, acknowledged);
    let endedAt = startedAt;
    for (const t of [...received.values(), ...acknowledged.values()]) endedAt = Math.max(endedAt, t);
    const seconds = (endedAt - startedAt) / 1000;

    const cost = await scanCost(
      client,
      `TaskQueue="${taskQueue}"`,
      'escalation (2 updates, 2 signals)',
      returnedAt.size,
      { from: startedAt, to: Date.now() },
      new Set(originIds),
    );
    const result: StormBaseline = {
      escalations: picks.length,
      sent: returnedAt.size,
      failed: failures.length,
      failureSamples: failures.slice(0, 3),
      signalsFailed,
      branchesEscalating: byBranch.size,
      seconds: round2(seconds),
      escalateCallMs: summarise([...returnedAt.values()].map((r) => r.callMs)),
      ...ackSummaries(receivedLat),
      originAcknowledgedLatencyMs: summarise(ackLat.map((l) => l.v)),
      escalationsPerSecond: round1(returnedAt.size / seconds),
      taskQueue,
      cost,
      cpu,
    };
    say(
      `storm baseline: ${result.sent} acknowledged in ${seconds.toFixed(1)} s; ack p50 ${result.ackLatencyMs.p50} ms, p99 ${result.ackLatencyMs.p99} ms; ` +
        `escalate call p50 ${result.escalateCallMs.p50} ms, p99 ${result.escalateCallMs.p99} ms`,
    );
    return result;
  } finally {
    await pool(handles, PARALLEL, (h) => h.terminate('storm baseline done').catch(() => undefined));
    worker.shutdown();
    await running;
    await connection.close();
  }
}
