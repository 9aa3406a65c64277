/**
 * The engine's health, scraped as Prometheus would: `worker/main.ts` and `api/main.ts` run
 * as docker-compose runs them (child processes), each with its metrics on a free port
 * (`WORKER_METRICS_ADDRESS`, `API_METRICS_ADDRESS`), against the test Temporal server and a
 * fresh PostgreSQL database. A small campaign cascades through the worker; requests go to
 * the API. Both endpoints answer in the Prometheus text format with the series the README's
 * "What to watch" table names, and their counts move with the work done.
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '../../scripts/lib/processes.js';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildApp } from '../../api/app.js';
import { serveMetrics } from '../../api/metrics.js';
import { chinaDate } from '../../domain/org-node.js';
import { generateTree } from '../../domain/generate-tree.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { testTemporalAddress } from '../support/env.js';
import { killAllPrograms, startProgram } from '../support/faults.js';
import { seedOrgs } from '../support/orgs.js';

const ADMIN = `metrics-admin-${randomBytes(12).toString('hex')}`;
const ORGS = generateTree('small');
const DAY = 86_400_000;

let db: TestDatabase;
let api: string;
let apiMetrics: string;
let workerMetrics: string;
let worker: ReturnType<typeof startProgram>;
let apiProcess: ReturnType<typeof startProgram>;

/** A port nobody listens on right now (the kernel's pick, released at once). */
/** One sample of the exposition: `name{a="b",…} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped; label values without escapes, as ours are). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** Scrapes an endpoint: 200, the Prometheus text format, and its samples. */
async function scrape(url: string): Promise<{ contentType: string; text: string; samples: Sample[] }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { contentType: response.headers.get('content-type') ?? '', text, samples: parseExposition(text) };
}

/** The sum of the samples named `name` whose labels include `labels`. */
const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0);
const has = (samples: Sample[], name: string) => samples.some((s) => s.name === name);

beforeAll(async () => {
  db = await freshDatabase();
  if (!db.url) throw new Error('the metrics test runs worker/main.ts and api/main.ts as processes: it needs a PostgreSQL server (the global setup starts one)');
  await seedOrgs(db.kysely, ORGS);
  const [apiPort, apiMetricsPort, workerMetricsPort] = [await freePort(), await freePort(), await freePort()];
  const common = { DATABASE_URL: db.url, TEMPORAL_ADDRESS: testTemporalAddress(), TASK_QUEUE: `metrics-${randomBytes(4).toString('hex')}` };
  worker = startProgram('worker/main.ts', { ...common, WORKER_METRICS_ADDRESS: `127.0.0.1:${workerMetricsPort}` });
  apiProcess = startProgram('api/main.ts', { ...common, ADMIN_TOKEN: ADMIN, PORT: String(apiPort), API_METRICS_ADDRESS: `127.0.0.1:${apiMetricsPort}` });
  api = `http://127.0.0.1:${apiPort}`;
  apiMetrics = `http://127.0.0.1:${apiMetricsPort}/metrics`;
  workerMetrics = `http://127.0.0.1:${workerMetricsPort}/metrics`;
  const answers = async (url: string, program: ReturnType<typeof startProgram>) => {
    const status = (await fetch(url).catch(() => undefined))?.status;
    if (status !== 200) throw new Error(`${url} answered ${status ?? 'nothing'}; the process said:\n${program.output()}`);
  };
  await vi.waitFor(() => answers(`${api}/healthz`, apiProcess), { timeout: 60_000, interval: 250 });
  await vi.waitFor(() => answers(workerMetrics, worker), { timeout: 60_000, interval: 250 });
}, 120_000);

afterAll(async () => {
  await killAllPrograms();
  await db?.close();
});

describe('the API', () => {
  test('answers GET /metrics on its own port in the Prometheus text format, counting requests by route pattern and status', async () => {
    const before = await scrape(apiMetrics);
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(before.text).toContain('# TYPE http_request_duration_seconds histogram');
    // The process's own figures, for CPU, memory and event-loop lag.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds'])
      expect(has(before.samples, name), name).toBe(true);

    const healthy = { method: 'GET', route: '/healthz', status_code: '200' };
    const count = (samples: Sample[], labels: Record<string, string>) => sum(samples, 'http_request_duration_seconds_count', labels);
    for (let i = 0; i < 3; i++) expect((await fetch(`${api}/healthz`)).status).toBe(200);
    // A read of an org that does not exist, without and with a token, and a URL no route takes.
    const orgUrl = `${api}/campaigns/no-such-campaign-x7/orgs/no-such-org-x7/overview`;
    expect((await fetch(orgUrl)).status).toBe(401);
    expect((await fetch(orgUrl, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
    expect((await fetch(`${api}/no/such/path-x7`)).status).toBe(404);

    await expect.poll(async () => count((await scrape(apiMetrics)).samples, healthy)).toBe(count(before.samples, healthy) + 3);
    const after = await scrape(apiMetrics);
    const route = '/campaigns/:id/orgs/:orgId/overview';
    expect(count(after.samples, { method: 'GET', route, status_code: '401' })).toBe(count(before.samples, { method: 'GET', route, status_code: '401' }) + 1);
    expect(count(after.samples, { method: 'GET', route, status_code: '404' })).toBe(count(before.samples, { method: 'GET', route, status_code: '404' }) + 1);
    expect(count(after.samples, { route: '__unknown__', status_code: '404' })).toBeGreaterThanOrEqual(1);
    // Labels are route patterns: what a caller puts in a URL never becomes a series.
    expect(after.text).not.toContain('x7');
    // The buckets are cumulative up to +Inf, which equals the count.
    expect(sum(after.samples, 'http_request_duration_seconds_bucket', { ...healthy, le: '+Inf' })).toBe(count(after.samples, healthy));
  });

  test('two APIs in one process (as tests build them) count apart, each on its own exposition', async () => {
    const [first, second] = [await buildApp({ db: db.kysely, adminToken: ADMIN }), await buildApp({ db: db.kysely, adminToken: ADMIN })];
    try {
      const [firstUrl, secondUrl] = [await serveMetrics(first, '127.0.0.1:0'), await serveMetrics(second, '127.0.0.1:0')];
      for (let i = 0; i < 2; i++) expect((await first.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await second.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const healthz = { method: 'GET', route: '/healthz', status_code: '200' };
      expect(sum((await scrape(firstUrl)).samples, 'http_request_duration_seconds_count', healthz)).toBe(2);
      expect(sum((await scrape(secondUrl)).samples, 'http_request_duration_seconds_count', healthz)).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('the exposition is not a route of the API: not on its port, not in its OpenAPI document', async () => {
    expect((await fetch(`${api}/metrics`)).status).toBe(404);
    const document = (await (await fetch(`${api}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });
});

describe('the worker', () => {
  test('exports the SDK’s task latencies, failures, pollers and sticky cache while a campaign cascades', async () => {
    const started = await fetch(`${api}/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'metrics-test',
        name: '主题教育（指标）',
        batch: 1,
        rootOrgId: 'tj',
        phaseMode: 'integrated',
        startsOn: chinaDate(Date.now() - DAY),
        endsOn: chinaDate(Date.now() + 60 * DAY),
        rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'], progressReportSeconds: 1 },
      }),
    });
    expect(started.status, await started.clone().text()).toBe(201);

    // Every org's workflow is started and runs workflow tasks through this worker.
    const completedTasks = async () => sum((await scrape(workerMetrics)).samples, 'temporal_workflow_task_execution_latency_count');
    await expect.poll(completedTasks, { timeout: 120_000, interval: 500 }).toBeGreaterThan(ORGS.length);

    const { contentType, text, samples } = await scrape(workerMetrics);
    expect(contentType).toMatch(/^text\/plain/);
    expect(text).toMatch(/# TYPE temporal_workflow_task_schedule_to_start_latency histogram/);
    expect(sum(samples, 'temporal_workflow_task_schedule_to_start_latency_count')).toBeGreaterThan(ORGS.length);
    expect(sum(samples, 'temporal_activity_schedule_to_start_latency_count')).toBeGreaterThan(0);
    expect(sum(samples, 'temporal_activity_execution_latency_count')).toBeGreaterThan(0);
    // The sticky cache holds the campaign's open workflows; none was forced out.
    expect(sum(samples, 'temporal_sticky_cache_size')).toBeGreaterThan(0);
    // Requests to the server, by operation; long polls counted apart.
    expect(sum(samples, 'temporal_request', { operation: 'RespondWorkflowTaskCompleted' })).toBeGreaterThan(0);
    expect(sum(samples, 'temporal_long_request', { operation: 'PollWorkflowTaskQueue' })).toBeGreaterThan(0);
    // Slots free to take tasks, per kind; pollers open.
    expect(has(samples, 'temporal_worker_task_slots_available')).toBe(true);
    expect(has(samples, 'temporal_num_pollers')).toBe(true);
    // Healthy: no workflow task failed (nondeterminism, a bug in workflow code).
    expect(sum(samples, 'temporal_workflow_task_execution_failed')).toBe(0);
    // Every series names the task queue it serves.
    const queues = new Set(samples.filter((s) => s.name.startsWith('temporal_workflow_task')).map((s) => s.labels.task_queue));
    expect([...queues].every((q) => q?.startsWith('metrics-'))).toBe(true);
  }, 180_000);
});
