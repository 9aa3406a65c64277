import type { PublicMessageRoute } from '../domain/public-message.js';
import type { ActivityDeps } from './deps.js';

/** The campaign office's routing rules for public messages (民意直通车), as they stand now; the workflow's history keeps what it read. */
export function loadPublicMessageRoutes({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadPublicMessageRoutes(input: { campaignId: string }): Promise<PublicMessageRoute[]> {
    const rows = await db.selectFrom('public_message_routes').select(['category', 'area', 'org_id']).where('campaign_id', '=', input.campaignId).orderBy('position').execute();
    return rows.map((r) => ({ ...(r.category !== null ? { category: r.category } : {}), ...(r.area !== null ? { area: r.area } : {}), orgId: r.org_id }));
  };
}
