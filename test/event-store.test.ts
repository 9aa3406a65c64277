/**
 * The event store on a real PostgreSQL: the same event appended twice is stored and
 * projected once, and a rebuild gives the read models row for row.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { appendEvents, rebuildProjections } from '../db/event-store.js';
import { Rules } from '../domain/campaign.js';
import { OrgNode } from '../domain/org-node.js';
import { freshDatabase, type TestDatabase } from './support/db.js';
import { readModels } from './support/read-models.js';

/** The same tests on the test PostgreSQL server and on the embedded PGlite `npm start` uses. */
const engines = {
  postgres: freshDatabase,
  pglite: async () => {
    const db = await openDatabase({});
    await migrateToLatest(db.kysely);
    return db;
  },
};

const NOW = Date.parse('2019-10-01T04:00:00Z');

function branchWithWork(): OrgNode {
  const campaign = {
    id: 'es',
    batch: 2,
    phaseMode: 'integrated' as const,
    rules: Rules.parse({ topicsMustBeVetted: false }),
    startsOn: '2019-09-01',
    endsOn: '2019-12-31',
    rootOrgId: 'tj',
  };
  const node = new OrgNode(campaign, { id: 'b1', level: 'branch', name: '第一党支部', parentId: 'u1', path: '/tj/u1/b1/' });
  node.start(NOW);
  node.mobilise({ date: '2019-09-05', attendance: 30, by: 'sec' }, NOW);
  node.recordStudySession({ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 3, attendance: 28 }, NOW);
  node.proposeTopic({ topicId: 't1', leader: '张书记', title: '社区养老' }, NOW);
  node.submitReport({ reportId: 'r1', topicId: 't1', title: '社区养老调研报告', policyMeasures: 4 }, NOW);
  node.recordProblem({ problemId: 'p1', source: 'self_inspection', category: '作风', description: '联系群众不够', by: 'sec' }, NOW);
  node.publish(NOW);
  return node;
}

describe.each(Object.entries(engines))('on %s', (_engine, open) => {
  let db: Pick<TestDatabase, 'kysely' | 'close'>;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db?.close());

  test('appending the same events twice stores and projects them once', async () => {
    const events = branchWithWork().outbox;
    expect(await appendEvents(db.kysely, events)).toEqual({ stored: events.length });
    expect(await appendEvents(db.kysely, events)).toEqual({ stored: 0 });
    // A retried batch that overlaps a stored one adds only what is new.
    const more = branchWithWork();
    more.planRectification({ problemId: 'p1', owner: '王委员', measures: '每月走访', deadline: '2019-12-01', by: 'sec' }, NOW);
    expect(await appendEvents(db.kysely, more.outbox)).toEqual({ stored: 1 });

    const stored = await db.kysely
      .selectFrom('events')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(events.length + 1);
    const topic = await db.kysely.selectFrom('rm_research_topics').selectAll().executeTakeFirstOrThrow();
    expect(topic).toMatchObject({ reports: 1, policy_measures: 4, status: 'approved' });
    const problem = await db.kysely.selectFrom('rm_problems').selectAll().executeTakeFirstOrThrow();
    expect(problem).toMatchObject({ status: 'planned', owner: '王委员', path: '/tj/u1/b1/' });
    const progress = await db.kysely.selectFrom('rm_org_progress').selectAll().executeTakeFirstOrThrow();
    expect(progress).toMatchObject({ org_id: 'b1', mobilised_on: '2019-09-05', path: '/tj/u1/b1/' });
    expect(progress.own).toMatchObject({ studyDays: 1, topics: 1, reports: 1, measures: 4, problems: 1 });
  });

  test('a rebuild gives the same read models, row for row', async () => {
    const live = await readModels(db.kysely);
    expect(live.rm_org_progress).toHaveLength(1);
    expect(await rebuildProjections(db.kysely)).toEqual({ events: expect.any(Number) });
    expect(await readModels(db.kysely)).toEqual(live);
  });
});
