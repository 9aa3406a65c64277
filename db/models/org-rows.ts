/**
 * A page of the rows one org holds in a per-org read model (its study sessions, research
 * topics, democratic life meetings), in the model's order: the one query the models of
 * those lists share (db/models/study-sessions.ts, research-topics.ts, democratic-life.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';

/** The per-org read models listed a page at a time, and the column each is listed by. */
export interface PerOrgLists {
  rm_study_sessions: 'date';
  rm_research_topics: 'topic_id';
  rm_democratic_life_meetings: 'date';
}

/** At most `limit` of the org's rows from `offset`, in `order` (ties in the table's order). */
export function pageOfOrgRows<T extends keyof PerOrgLists>(
  db: Kysely<Database>,
  table: T,
  order: PerOrgLists[T],
  campaignId: string,
  orgId: string,
  limit: number,
  offset: number,
) {
  return (
    db
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- widened, kysely sees one table type, not a union of signatures it cannot call
      .selectFrom(table as keyof PerOrgLists)
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('org_id', '=', orgId)
      .orderBy(order)
      .limit(limit)
      .offset(offset)
      .execute() as unknown as Promise<Selectable<Database[T]>[]>
  );
}
