/**
 * Runs the command baseline (./update-workflow.ts) on the run's server: `secretaries`
 * workflows on their own task queue and worker, each sent updates through the client in a
 * closed loop for `seconds`, as B7's secretaries send theirs through the API. Then the cost
 * from their histories, counted as the engine's is (bench/histories.ts): with one workflow
 * task per update, this is the floor the engine's cost per command is compared with.
 */
import { randomBytes } from 'node:crypto';
import { cpuBetween, describeCpu, readCpu, type CpuSpan } from '../cpu-ledger.js';
import { scanCost, type PhaseCost } from '../histories.js';
import type { Infra } from '../infra.js';
import { say, sleep } from '../live.js';
import { round1, summarise, type Summary } from '../stats.js';
import { baselineWorker } from './run.js';
import { baselineRecordUpdate, type baselineUpdateWorkflow } from './update-workflow.js';

export interface UpdateBaseline {
  updates: number;
  updatesPerSecond: number;
  /** From the client's call to its answer (no HTTP, no API process: the engine's figure has both). */
  updateLatencyMs: Summary;
  cost: PhaseCost;
  cpu: CpuSpan;
}

export async function runUpdateBaseline(infra: Infra, secretaries: number, seconds: number): Promise<UpdateBaseline> {
  const { taskQueue, worker, connection } = await baselineWorker(infra, './update-workflow.ts');
  const running = worker.run();
  try {
    const prefix = `baseline-updates/${randomBytes(3).toString('hex')}`;
    const handles = await Promise.all(
      Array.from({ length: secretaries }, (_, i) =>
        infra.client.workflow.start<typeof baselineUpdateWorkflow>('baselineUpdateWorkflow', { workflowId: `${prefix}/${i}`, taskQueue }),
      ),
    );
    // Their first workflow tasks done before the window opens: what is counted is the updates'.
    await sleep(1000);
    say(`baseline updates: ${secretaries} workflows, closed loop for ${seconds} s`);
    const latencies: number[] = [];
    const cpuAtStart = readCpu(infra.databaseUrl);
    const t0 = Date.now();
    const endAt = t0 + seconds * 1000;
    await Promise.all(
      handles.map(async (handle, i) => {
        for (let k = 0; Date.now() < endAt; k++) {
          const s = performance.now();
          await handle.executeUpdate(baselineRecordUpdate, { args: [{ secretary: i, k }] });
          latencies.push(performance.now() - s);
        }
      }),
    );
    const loadSeconds = (Date.now() - t0) / 1000;
    // The baseline's worker runs in the harness: its CPU is under `harness`.
    const cpu = cpuBetween(cpuAtStart, readCpu(infra.databaseUrl), latencies.length);
    say(describeCpu('baseline updates', cpu, 'update'));
    const cost = await scanCost(infra.client, `TaskQueue="${taskQueue}"`, 'update', latencies.length, { from: t0, to: Date.now() });
    await Promise.all(handles.map((h) => h.terminate('baseline done')));
    return { updates: latencies.length, updatesPerSecond: round1(latencies.length / loadSeconds), updateLatencyMs: summarise(latencies), cost, cpu };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}
