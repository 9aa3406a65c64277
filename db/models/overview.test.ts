import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { colourSql } from './overview.js';
import { openDatabase, type OpenDatabase } from '../connect.js';
import { orgColour, type ColourContext, type ColourInput } from '../../domain/colour.js';

const own = (o: Record<string, number>) => ({ studyDone: 1, overdue: 0, dueSoon: 0, studyDays: 6, ...o });
const DAY = 24 * 3600_000;
const NOW = Date.parse('2019-09-10T04:00:00Z');
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
const deadline4: ColourContext = { now: NOW, mobiliseWithinDays: 4 };

describe('the colour rule (三色督办)', () => {
  test('green when mobilised, studied and nothing due', () => {
    expect(orgColour({ mobilised: true, own: own({}) })).toEqual({ colour: 'green', reasons: [] });
  });
  test('red for an overdue item, whatever else', () => {
    expect(orgColour({ mobilised: true, own: own({ overdue: 2, dueSoon: 1 }) })).toEqual({ colour: 'red', reasons: ['2 overdue', '1 due soon'] });
    expect(orgColour({ mobilised: false, own: own({ overdue: 1, studyDone: 0, studyDays: 0 }) }).colour).toBe('red');
  });
  test('yellow when lagging (not mobilised, study not done) or items due soon', () => {
    expect(orgColour({ mobilised: false, own: own({}) })).toEqual({ colour: 'yellow', reasons: ['not mobilised'] });
    expect(orgColour({ mobilised: true, own: own({ studyDone: 0, studyDays: 2 }) })).toEqual({ colour: 'yellow', reasons: ['study 2 days'] });
    expect(orgColour({ mobilised: true, own: own({ dueSoon: 3 }) })).toEqual({ colour: 'yellow', reasons: ['3 due soon'] });
  });
});

describe('the mobilisation deadline (rules.mobiliseWithinDays)', () => {
  test('red when not mobilised more than the deadline after the cascade reached it, saying so', () => {
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: ago(5.5) }, deadline4)).toEqual({
      colour: 'red',
      reasons: ['not mobilised', 'reached 5 days ago, mobilise within 4 days'],
    });
  });
  test('yellow within the deadline, and at exactly the deadline', () => {
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: ago(3) }, deadline4)).toEqual({ colour: 'yellow', reasons: ['not mobilised'] });
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: ago(4) }, deadline4).colour).toBe('yellow');
  });
  test('a mobilised org is never late, however long ago it was reached', () => {
    expect(orgColour({ mobilised: true, own: own({}), reachedAt: ago(40) }, deadline4)).toEqual({ colour: 'green', reasons: [] });
  });
  test('no deadline in the rules, no clock, or no reached time: only yellow', () => {
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: ago(40) }, { now: NOW }).colour).toBe('yellow');
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: ago(40) }).colour).toBe('yellow');
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: null }, deadline4).colour).toBe('yellow');
  });
  test('fractions of a day (short test runs)', () => {
    expect(orgColour({ mobilised: false, own: own({}), reachedAt: ago(0.002) }, { now: NOW, mobiliseWithinDays: 0.001 }).colour).toBe('red');
  });
});

/**
 * The SQL the overview sorts and filters by (`colourSql`) against `orgColour`, row by row, on
 * the embedded PostgreSQL (PGlite, the engine `npm start` uses; the SQL is the same on a server).
 */
describe('the SQL agrees with orgColour', () => {
  let db: OpenDatabase;
  beforeAll(async () => {
    db = await openDatabase({});
  });
  afterAll(async () => db?.close());

  const cases: ColourInput[] = [];
  for (const mobilised of [true, false])
    for (const o of [{}, { overdue: 1 }, { studyDone: 0, studyDays: 2 }, { dueSoon: 2 }, { overdue: 1, dueSoon: 1 }] as Record<string, number>[])
      for (const reachedAt of [null, ago(1), ago(4), ago(4.0001), ago(30)]) cases.push({ mobilised, own: own(o), reachedAt });
  const contexts: [string, ColourContext][] = [
    ['no deadline', { now: NOW }],
    ['4 days', deadline4],
    ['half a day', { now: NOW, mobiliseWithinDays: 0.5 }],
  ];

  test.each(contexts)('%s', async (_name, ctx) => {
    const values = sql.join(
      cases.map(
        (c, i) => sql`(${i}::int, 'org', ${c.mobilised ? '2019-09-01' : null}::date, ${JSON.stringify(c.own)}::jsonb, ${c.reachedAt ?? null}::timestamptz)`,
      ),
    );
    const { rows } = await sql<{ i: number; colour: string }>`select i, ${colourSql(ctx)} as colour
      from (values ${values}) as p(i, org_id, mobilised_on, own, reached_at) order by i`.execute(db.kysely);
    expect(rows.map((r) => r.colour)).toEqual(cases.map((c) => orgColour(c, ctx).colour));
    expect(new Set(rows.map((r) => r.colour))).toEqual(new Set(['red', 'yellow', 'green']));
  });
});
