/**
 * 民意直通车: the routing rules a public message's workflow (workflows/public-message.ts) reads,
 * from their table (db/models/public-messages.ts, which the office's route replaces them through).
 */
import { routingRules } from '../db/models/public-messages.js';
import type { PublicMessageRoute } from '../domain/public-message.js';
import type { ActivityDeps } from './deps.js';

/** The campaign office's routing rules for public messages (民意直通车), as they stand now; the workflow's history keeps what it read. */
export function loadPublicMessageRoutes({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadPublicMessageRoutes(input: { campaignId: string }): Promise<PublicMessageRoute[]> {
    const rows = await routingRules(db, input.campaignId);
    return rows.map((r) => ({ ...(r.category !== null ? { category: r.category } : {}), ...(r.area !== null ? { area: r.area } : {}), orgId: r.org_id }));
  };
}
