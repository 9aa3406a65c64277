/**
 * The campaign overview's reads (三色督办): the directory left-joined to the progress read
 * model (`orgs o` ⟕ `rm_org_progress p`), so orgs the cascade has not reached show too, each
 * with its colour computed in SQL ({@link colourSql}) to sort, filter and count by. No events
 * of its own: the rows are the directory's and db/models/org-progress.ts's.
 *
 * The rest: the colour rule in domain/colour.ts (held to `colourSql` by db/models/overview.test.ts,
 * and every row the route answers judged by both); the route GET …/overview in
 * api/routes/overview.ts; tests in test/api/live.test.ts and the console's.
 *
 * @example
 * const { self, rows, total, levels } = await readOverview(db, { campaignId, orgId, path, ctx, sort: 'colour', limit: 51, offset: 0 });
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ColourContext } from '../../domain/colour.js';
import type { Level } from '../../domain/levels.js';
import { subtreePattern } from '../../domain/org-tree.js';
import type { Database } from '../schema.js';

/**
 * `orgColour` (domain/colour.ts) in SQL, over `rm_org_progress p` left-joined to the
 * directory ('none' where the cascade has not reached the org yet), so pages can be sorted
 * and filtered by colour; `ctx` is the clock and the campaign's `mobiliseWithinDays`, as
 * `orgColour` takes them. Every row the overview answers is judged by `orgColour` too and a
 * disagreement is an error, so the two cannot drift apart unseen; `db/models/overview.test.ts`
 * runs both over the same rows.
 */
export function colourSql(ctx: ColourContext): RawBuilder<string> {
  // Not mobilised and reached more than the deadline ago: `now - reached_at > days` as
  // `mobilisationLateDays` has it (no deadline: never).
  const late =
    ctx.mobiliseWithinDays === undefined
      ? sql`false`
      : sql`(p.mobilised_on is null and p.reached_at < ${new Date(ctx.now).toISOString()}::timestamptz - make_interval(secs => ${ctx.mobiliseWithinDays * 86_400}::float8))`;
  return sql<string>`case
  when p.org_id is null then 'none'
  when coalesce((p.own->>'overdue')::int, 0) > 0 or ${late} then 'red'
  when p.mobilised_on is null or coalesce((p.own->>'studyDone')::int, 0) = 0 or coalesce((p.own->>'dueSoon')::int, 0) > 0 then 'yellow'
  else 'green' end`;
}
const colourRank = (colour: RawBuilder<string>) => sql`case ${colour} when 'red' then 0 when 'yellow' then 1 when 'green' then 2 else 3 end`;

/** An org of the overview: the directory's fields, its child count, its colour, and its progress row's (null where not reached). */
export interface OverviewRow {
  id: string;
  name: string;
  level: Level;
  path: string;
  child_count: string;
  colour: string;
  org_id: string | null;
  status: string | null;
  mobilised_on: string | null;
  reached_at: Date | null;
  components: Record<string, string> | null;
  own: Record<string, number> | null;
  subtree: Record<string, number> | null;
  details: string | null;
}

/** The orgs of a subtree at one level: how many, how many reached, how many of each colour (as strings, PostgreSQL's counts). */
export interface LevelCount {
  level: Level;
  orgs: string;
  reached: string;
  red: string;
  yellow: string;
  green: string;
}

export interface OverviewQuery {
  campaignId: string;
  orgId: string;
  /** The org's path: the subtree `q` searches and the levels count. */
  path: string;
  /** The clock and the campaign's mobilisation deadline, as `orgColour` takes them: one instant for the whole answer. */
  ctx: ColourContext;
  sort: 'colour' | 'position' | 'name';
  colour?: string | undefined;
  /** Orgs of the whole subtree whose name holds it or whose id starts with it, instead of the children. */
  q?: string | undefined;
  limit: number;
  offset: number;
}

/**
 * The org itself (undefined if an import removed it), a page of its children (or of the
 * subtree's matches of `q`), optionally of one colour, sorted (red first by `colour`), their
 * total, and the subtree counted per level and colour.
 */
export async function readOverview(
  db: Kysely<Database>,
  o: OverviewQuery,
): Promise<{ self: OverviewRow | undefined; rows: OverviewRow[]; total: number; levels: LevelCount[] }> {
  const { campaignId, orgId, path, q } = o;
  const colourExpr = colourSql(o.ctx);
  const rankExpr = colourRank(colourExpr);
  const select = sql`select o.id, o.name, o.level, o.path,
          (select count(*) from orgs c where c.parent_id = o.id) as child_count,
          ${colourExpr} as colour,
          p.org_id, p.status, p.mobilised_on, p.reached_at, p.components, p.own, p.subtree, p.details
        from orgs o left join rm_org_progress p on p.org_id = o.id and p.campaign_id = ${campaignId}`;
  const [self] = (await sql<OverviewRow>`${select} where o.id = ${orgId}`.execute(db)).rows;

  const like = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : '';
  const prefix = q ? `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : '';
  const where = q
    ? sql`o.path like ${subtreePattern(path)} and o.id <> ${orgId} and (o.name ilike ${like} or o.id like ${prefix})`
    : sql`o.parent_id = ${orgId}`;
  const filtered = o.colour ? sql`${where} and ${colourExpr} = ${o.colour}` : where;
  const order = { colour: sql`${rankExpr}, o.position, o.id`, position: sql`o.position, o.id`, name: sql`o.name, o.id` }[o.sort];
  const [rows, total, levels] = await Promise.all([
    sql<OverviewRow>`${select} where ${filtered} order by ${order} limit ${o.limit} offset ${o.offset}`.execute(db),
    sql<{
      n: string;
    }>`select count(*) as n from orgs o left join rm_org_progress p on p.org_id = o.id and p.campaign_id = ${campaignId} where ${filtered}`.execute(db),
    sql<LevelCount>`
          select level, count(*) as orgs, count(org_id) as reached,
            count(*) filter (where colour = 'red') as red, count(*) filter (where colour = 'yellow') as yellow, count(*) filter (where colour = 'green') as green
          from (select o.level, p.org_id, ${colourExpr} as colour from orgs o left join rm_org_progress p on p.org_id = o.id and p.campaign_id = ${campaignId}
                where o.path like ${subtreePattern(path)}) t
          group by level`.execute(db),
  ]);
  return { self, rows: rows.rows, total: Number(total.rows[0]!.n), levels: levels.rows };
}
