/**
 * Faults, for real: the API process (`api/main.ts`, as docker-compose runs it) is killed
 * with SIGKILL while requests are in flight, and started again. Callers that lost their
 * answer retry with the same Idempotency-Key: every create is recorded exactly once, and a
 * retry of one that had already answered gets that first answer back.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { orgHandle } from '../../client/campaigns.js';
import { generateTree } from '../../domain/generate-tree.js';
import { freePort } from '../../scripts/lib/processes.js';
import { orgStatusQuery } from '../../workflows/messages.js';
import { ADMIN, csvOf } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { countEvents, expectReadModelsEqualRebuild, expectStreamsIntact, killAllPrograms, killHard, sleep, startProgram } from '../support/faults.js';
import { startTestWorker, type TestTemporal } from '../support/temporal.js';

const ORGS = generateTree('small');
const REQUESTS = 40;
/** Sent at once just before the kill. */
const BURST = 8;
let db: TestDatabase;
let t: TestTemporal;
let port: number;

const startApi = () =>
  startProgram('api/main.ts', {
    PORT: String(port),
    ADMIN_TOKEN: ADMIN,
    DATABASE_URL: db.url!,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TASK_QUEUE: t.taskQueue,
  });

/** One HTTP call as an outside caller makes it; a connection cut mid-request comes back as `{ lost }`. */
async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown } | { lost: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { lost: cause?.code ?? cause?.message ?? String(error) };
  }
}

const healthy = () =>
  vi.waitFor(
    async () => {
      const value = await call('GET', '/healthz');
      expect(value, 'the API answering').toSatisfy((r: typeof value) => 'status' in r && r.status === 200);
      return value;
    },
    { timeout: 60_000, interval: 200 },
  );

beforeAll(async () => {
  db = await freshDatabase();
  if (!db.url) throw new Error('the fault tests need a PostgreSQL server (the global setup starts one)');
  t = await startTestWorker(db.kysely);
  port = await freePort();
}, 120_000);

afterAll(async () => {
  await killAllPrograms();
  await t?.stop();
  await db?.close();
}, 60_000);

test('the API killed mid-request and started again: every retried create is recorded once, with its first answer', { timeout: 600_000 }, async () => {
  const api = startApi();
  await healthy();
  expect(await call('POST', '/orgs/import', csvOf(ORGS))).toMatchObject({ status: 200 });
  const campaignId = `api-restart-${randomBytes(3).toString('hex')}`;
  const spec = {
    id: campaignId,
    name: '重启测试',
    batch: 2,
    rootOrgId: 'tj',
    phaseMode: 'integrated',
    startsOn: '2019-09-01',
    endsOn: '2099-01-01',
    rules: { autoMobiliseLevels: ['city', 'district', 'unit', 'branch'] },
  };
  expect(await call('POST', '/campaigns', spec)).toMatchObject({ status: 201 });
  await expect
    .poll(() => orgHandle(t.client, campaignId, 'tj').query(orgStatusQuery), { timeout: 120_000, message: 'all mobilised' })
    .toSatisfy((s) => s.subtree.mobilised === ORGS.length);

  // Study sessions recorded across the tree, one every few milliseconds; the API is killed part-way.
  const orgIds = ORGS.map((o) => o.id);
  const request = (i: number) => ({
    url: `/campaigns/${campaignId}/orgs/${orgIds[i % orgIds.length]}/study-sessions`,
    body: { date: '2019-09-10', kind: 'concentrated', hours: 1 + (i % 5), attendance: 10 + i },
    headers: { 'idempotency-key': `restart-${i}` },
  });
  const first: Array<Promise<{ status: number; body: unknown } | { lost: string }>> = [];
  let answered = 0;
  const send = (i: number) => {
    const r = request(i);
    first.push(call('POST', r.url, r.body, r.headers).then((res) => ((answered += 'status' in res ? 1 : 0), res)));
  };
  for (let i = 0; i < REQUESTS / 2; i++) {
    send(i);
    await sleep(5);
  }
  // Kill once some have answered, while a burst is being handled: each create waits for a
  // workflow task and the recording of its event, tens of milliseconds at the least, so
  // these are cut mid-request (waiting for their first answer before the kill, as the
  // first version did, let every one in flight finish on a quiet machine). The rest are refused.
  await expect.poll(async () => answered, { timeout: 60_000, message: 'a first answer' }).toSatisfy((n) => n > 0);
  for (let i = REQUESTS / 2; i < REQUESTS / 2 + BURST; i++) send(i);
  await sleep(20);
  expect(await killHard(api)).toBe('SIGKILL');
  for (let i = REQUESTS / 2 + BURST; i < REQUESTS; i++) {
    send(i);
    await sleep(5);
  }
  const outcomes = await Promise.all(first);
  const lost = outcomes.filter((o) => 'lost' in o).length;
  const causes = new Map<string, number>();
  for (const o of outcomes) if ('lost' in o) causes.set(o.lost, (causes.get(o.lost) ?? 0) + 1);
  console.log(
    `api restart: ${REQUESTS} creates sent, ${REQUESTS - lost} answered before the kill, ${lost} lost (${[...causes].map(([c, n]) => `${n} ${c}`).join(', ')})`,
  );
  // Some were cut mid-request (the socket closed under them), not only refused afterwards.
  expect((causes.get('UND_ERR_SOCKET') ?? 0) + (causes.get('ECONNRESET') ?? 0)).toBeGreaterThan(0);
  expect(lost).toBeGreaterThan(0);
  expect(REQUESTS - lost).toBeGreaterThan(0);
  for (const o of outcomes) if ('status' in o) expect(o.status, JSON.stringify(o.body)).toBe(200);

  startApi(); // stopped with the others by killAllPrograms after the file
  await healthy();
  // Every caller retries with its key, twice: both retries get the same answer, and one that had answered before gets its first answer.
  for (let i = 0; i < REQUESTS; i++) {
    const r = request(i);
    const retry = await call('POST', r.url, r.body, r.headers);
    const again = await call('POST', r.url, r.body, r.headers);
    expect(retry).toMatchObject({ status: 200 });
    expect(again).toEqual(retry);
    const before = outcomes[i]!;
    if ('status' in before) expect(retry).toEqual(before);
  }

  await expect.poll(() => countEvents(db.kysely, 'StudySessionRecorded'), { timeout: 60_000, message: 'every session stored' }).toSatisfy((n) => n >= REQUESTS);
  const sessions = await db.kysely.selectFrom('events').select(['stream_id', 'payload']).where('type', '=', 'StudySessionRecorded').execute();
  expect(sessions).toHaveLength(REQUESTS);
  expect(new Set(sessions.map((s) => `${s.stream_id}/${(s.payload as { sessionId: string }).sessionId}`)).size).toBe(REQUESTS);
  await expectStreamsIntact(db.kysely);
  await expectReadModelsEqualRebuild(db.kysely);
});
