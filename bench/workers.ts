/**
 * The engine's workers for a run, each a process of its own (`worker/main.ts`, what
 * `npm run worker` runs in production), not a worker inside the harness.
 *
 * Why out of process: on 2026-12-01 a district storm killed the whole harness with a
 * fatal Node error from the SDK's workflow thread ("async hook stack has become
 * corrupted"), taking the run's figures with it. A worker process that dies is what a
 * supervisor (systemd, compose's `restart:`) restarts in production, and Temporal hands
 * its tasks to the next poller; the harness does the same, counts every restart and keeps
 * the end of the dead process's output for the result. It also lets a run use more than
 * one worker process (`--worker-processes`), and keeps the harness's own load (API calls,
 * polling the database) off the worker's event loop, as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { stopOnParentExit, terminate } from '../scripts/lib/processes.js';
import { machineCpuTicks, processCpuSeconds } from './cpu-ledger.js';
import { say, sleep } from './live.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

export interface WorkerProcessOptions {
  count: number;
  client: Client;
  env: Record<string, string>;
  taskQueue: string;
  /** Every line a worker writes (stdout and stderr), to count the overload warnings. */
  onLine(line: string): void;
  /** Write each process's V8 CPU profiles here (main thread and workflow thread), at its exit. */
  profileDir?: string;
}

export interface WorkerProcesses {
  /** Restarts after a worker process died on its own, with the end of its output. */
  crashes: Array<{ at: string; exit: string; tail: string }>;
  /** Largest resident set of any one worker process, sampled every 2 s. */
  peakRssBytes(): number;
  /**
   * CPU over the run, sampled every 2 s: the worker processes' own (user + system, summed over
   * them, and as cores busy on average) and the whole machine's, busy share of all its cores
   * (every process on it: servers, harness, and whatever else runs beside the bench).
   */
  cpu(): { workerCpuSeconds: number; workerCores: number; machineBusyPercent: number };
  stop(): Promise<void>;
}

export async function startWorkerProcesses(opts: WorkerProcessOptions): Promise<WorkerProcesses> {
  const crashes: WorkerProcesses['crashes'] = [];
  let stopping = false;
  let peakRss = 0;
  const children = new Set<ChildProcess>();

  const launch = (slot: number): void => {
    const profile = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'worker/main.ts'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    children.add(child);
    let tail = '';
    let partial = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString();
      tail = (tail + text).slice(-3000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) opts.onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      const exit = signal ? `signal ${signal}` : `code ${code}`;
      crashes.push({ at: new Date().toISOString(), exit, tail });
      say(`worker process ${slot} died (${exit}); restarting it. Its last output:\n${tail.slice(-800)}`);
      setTimeout(() => {
        if (!stopping) launch(slot);
      }, 1000);
    });
  };
  for (let slot = 1; slot <= opts.count; slot++) launch(slot);

  // CPU seconds by pid, as last seen: a process that exits keeps what it had used at its last sample.
  const cpuByPid = new Map<number, number>();
  const machineAtStart = machineCpuTicks();
  let machineNow = machineAtStart;
  const sampledFrom = Date.now();
  let sampledTo = sampledFrom;
  const sampler = setInterval(() => {
    for (const child of children) {
      peakRss = Math.max(peakRss, rssBytes(child.pid));
      const used = child.pid ? processCpuSeconds(child.pid) : undefined;
      if (used !== undefined) cpuByPid.set(child.pid!, used);
    }
    machineNow = machineCpuTicks();
    sampledTo = Date.now();
  }, 2000);
  const cpu = () => {
    const workerCpuSeconds = [...cpuByPid.values()].reduce((a, b) => a + b, 0);
    const seconds = Math.max(1, (sampledTo - sampledFrom) / 1000);
    const total = machineNow.total - machineAtStart.total;
    const busy = total - (machineNow.idle - machineAtStart.idle);
    return {
      workerCpuSeconds: Math.round(workerCpuSeconds),
      workerCores: Math.round((workerCpuSeconds / seconds) * 100) / 100,
      machineBusyPercent: total > 0 ? Math.round((busy / total) * 1000) / 10 : 0,
    };
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    unregister();
    clearInterval(sampler);
    // A profile is written only at a normal exit, after the worker has drained.
    await Promise.all([...children].map((child) => terminate(child, opts.profileDir ? 120_000 : 15_000)));
  };
  // A harness that dies without stopping them (a fatal error; kill -9 excepted) takes its workers along.
  const unregister = stopOnParentExit({
    sync: () => {
      for (const child of children) child.kill('SIGKILL');
    },
    async: stop,
  });

  // Ready when the server sees every process polling the task queue: the first workflow
  // task of the run must not wait for a bundle to be built.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const pollers = await countPollers(opts.client, opts.taskQueue).catch(() => 0);
    if (pollers >= opts.count) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the worker processes were not polling ${opts.taskQueue} within 180 s${crashes[0] ? `:\n${crashes[0].tail}` : ''}`);
    }
    await sleep(500);
  }
  return { crashes, peakRssBytes: () => peakRss, cpu, stop };
}

/** How many distinct pollers (worker processes) the server sees on the task queue's workflow side. */
export async function countPollers(client: Client, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return new Set((response.pollers ?? []).map((p) => p.identity)).size;
}

function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
