/**
 * B4, reads under load: the two reads an organiser at the top refreshes all day — the
 * subtree progress (`GET /campaigns/:id/orgs/:orgId`) and the overdue list across the
 * subtree (`GET …/overdue`) — for the largest nodes (the root, the district with the most
 * orgs below it, the unit with the most branches), hammered by `--readers` concurrent
 * loops while the B2 escalation storm writes.
 *
 * The API runs as its own process (`api/main.ts`, as `npm run api` runs it) against the
 * run's database and Temporal, so its event loop is not shared with the worker or with
 * the load generator — as in production. The loops use Node's built-in fetch (undici)
 * with keep-alive. Latencies before the storm are kept apart as the idle reference.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, terminate } from '../../scripts/lib/processes.js';
import type { RunContext, ScenarioOutput } from '../context.js';
import { say, sleep } from '../live.js';
import type { Chart } from '../report.js';
import { bins, percentile, round1, summarise } from '../stats.js';
import { cascadeEngine } from './cascade.js';
import { escalationStorm } from './escalations.js';

export interface ApiProcess {
  url: string;
  token: string;
  stop(): Promise<void>;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function startApi(ctx: RunContext): Promise<ApiProcess> {
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: ctx.infra.databaseUrl,
      TEMPORAL_ADDRESS: ctx.infra.address,
      TASK_QUEUE: ctx.infra.taskQueue,
      ADMIN_TOKEN: token,
      LOG_LEVEL: 'warn',
    },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = (): Promise<void> => terminate(child, 10_000);
  ctx.infra.onStop(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited during start-up:\n${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the API did not answer within 60 s:\n${stderr}`);
    await sleep(250);
  }
  return { url, token, stop };
}

type Hit = { t: number; v: number; route: 'progress' | 'overdue'; ok: boolean };

export async function runReads(ctx: RunContext): Promise<ScenarioOutput> {
  const { orgs, args } = ctx;
  const cascade = await cascadeEngine(ctx, 'prepare');
  const campaignId = cascade.spec.id;
  const api = await startApi(ctx);
  say(`reads: API at ${api.url}`);

  // The largest nodes: the root, the level-2 body with the most orgs below, the unit with the most children.
  const children = new Map<string, number>();
  const size = new Map<string, number>();
  for (const o of orgs) if (o.parentId) children.set(o.parentId, (children.get(o.parentId) ?? 0) + 1);
  const byId = new Map(orgs.map((o) => [o.id, o]));
  for (const o of orgs) for (let a: string | null = o.id; a; a = byId.get(a)?.parentId ?? null) size.set(a, (size.get(a) ?? 0) + 1);
  const largest = (level: string, by: Map<string, number>) =>
    orgs.filter((o) => o.level === level).sort((a, b) => (by.get(b.id) ?? 0) - (by.get(a.id) ?? 0))[0]!;
  const targets = [orgs.find((o) => o.parentId === null)!, largest('district', size), largest('unit', children)];
  const routes = targets.flatMap((o) => [
    { route: 'progress' as const, path: `/campaigns/${campaignId}/orgs/${encodeURIComponent(o.id)}` },
    { route: 'overdue' as const, path: `/campaigns/${campaignId}/orgs/${encodeURIComponent(o.id)}/overdue` },
  ]);

  const hits: Hit[] = [];
  const errors: string[] = [];
  let running = true;
  const reader = async (n: number): Promise<void> => {
    for (let i = n; running; i++) {
      const { route, path } = routes[i % routes.length]!;
      const s = performance.now();
      const t = Date.now();
      try {
        const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.token}` } });
        await res.arrayBuffer();
        hits.push({ t, v: performance.now() - s, route, ok: res.ok });
        if (!res.ok && errors.length < 5) errors.push(`${res.status} ${path}`);
      } catch (error) {
        if (errors.length < 5) errors.push(String(error));
      }
    }
  };
  const loadStart = Date.now();
  const readers = Array.from({ length: args.readers }, (_, n) => reader(n));
  say(`reads: ${args.readers} readers on ${targets.map((o) => o.id).join(', ')}; 5 s idle reference, then the storm`);
  await sleep(5000);
  let storm;
  try {
    storm = await escalationStorm(ctx, cascade);
  } finally {
    running = false;
    await Promise.all(readers);
  }
  const during = hits.filter((h) => h.t >= storm.startedAt && h.t <= storm.endedAt);
  const idle = hits.filter((h) => h.t < storm.startedAt);
  const stormSeconds = (storm.endedAt - storm.startedAt) / 1000;
  const figures: Record<string, unknown> = {
    seconds: storm.figures.seconds,
    readers: args.readers,
    targets: targets.map((o) => ({ id: o.id, level: o.level, subtreeOrgs: size.get(o.id), children: children.get(o.id) ?? 0 })),
    readLatencyMs: summarise(during.map((h) => h.v)),
    readLatencyMsByRoute: {
      progress: summarise(during.filter((h) => h.route === 'progress').map((h) => h.v)),
      overdue: summarise(during.filter((h) => h.route === 'overdue').map((h) => h.v)),
    },
    readsPerSecond: round1(during.length / stormSeconds),
    idleReadLatencyMs: summarise(idle.map((h) => h.v)),
    readErrors: hits.filter((h) => !h.ok).length,
    readErrorSamples: errors,
    storm: storm.figures,
  };
  const b = bins(hits, loadStart, 500);
  const charts: Chart[] = [
    {
      title: 'Read latency (500 ms bins; the storm starts after 5 s)',
      yLabel: 'ms',
      lines: [
        { name: 'p50', points: b.filter((x) => x.values.length).map((x): [number, number] => [x.t, percentile(x.values, 50)]) },
        { name: 'p99', points: b.filter((x) => x.values.length).map((x): [number, number] => [x.t, percentile(x.values, 99)]) },
      ],
    },
    { title: 'Read throughput', yLabel: 'requests/s', lines: [{ name: 'requests/s', points: b.map((x): [number, number] => [x.t, x.count * 2]) }] },
    ...storm.charts,
  ];
  const lat = figures.readLatencyMs as { p50: number; p99: number; count: number };
  say(`reads: ${lat.count} reads during the storm, p50 ${lat.p50} ms, p99 ${lat.p99} ms`);
  await api.stop();
  return { figures, charts };
}
