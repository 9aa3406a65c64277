/**
 * What the fault tests share: the real processes they kill (a worker, the API), and the
 * checks that nothing was lost or stored twice afterwards.
 *
 * The processes are `worker/main.ts` and `api/main.ts` exactly as docker-compose runs
 * them, started as Node itself with tsx's loader: one process each, so a SIGKILL takes
 * down everything it holds (the `tsx` CLI would run the program in a grandchild that
 * outlives a kill of its parent).
 *
 * @example
 * const worker = startProgram('worker/main.ts', { TASK_QUEUE: q, DATABASE_URL: db.url!, TEMPORAL_ADDRESS: address });
 * await killHard(worker);
 * await expectStreamsIntact(db.kysely);
 * await expectReadModelsEqualRebuild(db.kysely);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { rebuildProjections } from '../../db/event-store.js';
import type { Database } from '../../db/schema.js';
import { readModels, settledReadModels } from './read-models.js';

const running = new Set<ChildProcess>();

/**
 * Starts one of the project's programs as its own process with `env` added to this
 * one's. Its output is kept (the last 64 KB) for the error message when a test fails.
 */
export function startProgram(program: 'worker/main.ts' | 'api/main.ts', env: Record<string, string>): ChildProcess & { output(): string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(program)], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  // Drained always, so a chatty process never blocks on a full pipe.
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return Object.assign(child, { output: () => output });
}

/** SIGKILL, and the exit seen: resolves with the signal that ended the process. */
export async function killHard(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.signalCode;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  return exited;
}

/** Kills whatever {@link startProgram} started and is still running (for `afterAll`). */
export async function killAllPrograms(): Promise<void> {
  await Promise.all([...running].map((child) => killHard(child)));
}

/** How many events of a type are stored (all events without a type). */
export async function countEvents(db: Kysely<Database>, type?: string): Promise<number> {
  let query = db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n'));
  if (type) query = query.where('type', '=', type);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** Events stored ahead of an earlier event of their own stream: what a caller recording out of order would leave. */
export async function storedOutOfOrder(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM (
      SELECT global_seq, lag(global_seq) OVER (PARTITION BY stream_id ORDER BY stream_seq) AS before FROM events
    ) e WHERE e.before > e.global_seq`.execute(db);
  return Number(rows[0]!.n);
}

/**
 * Every stream holds each of its events once, numbered 1..n without a gap; with
 * `streams`, that many streams exist. Returns the number of events checked.
 */
export async function expectStreamsIntact(db: Kysely<Database>, streams?: number): Promise<number> {
  const rows = await db
    .selectFrom('events')
    .select([
      'stream_id',
      (eb) => eb.fn.countAll<string>().as('n'),
      (eb) => eb.fn.max('stream_seq').as('last'),
      (eb) => eb.fn.count<string>('id').distinct().as('ids'),
    ])
    .groupBy('stream_id')
    .execute();
  if (streams !== undefined) expect(rows.length).toBe(streams);
  for (const s of rows) {
    expect(Number(s.n), s.stream_id).toBe(Number(s.last));
    expect(Number(s.ids), s.stream_id).toBe(Number(s.n));
  }
  return rows.reduce((sum, s) => sum + Number(s.n), 0);
}

/** The read models, once settled, equal what a rebuild from the events produces. */
export async function expectReadModelsEqualRebuild(db: Kysely<Database>): Promise<void> {
  const live = await settledReadModels(db);
  await rebuildProjections(db);
  expect(await readModels(db)).toEqual(live);
}

/** A pause, for "nothing moves while it is down" checks. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
