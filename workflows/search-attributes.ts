/**
 * The custom search attributes an operator filters on in the Temporal UI, e.g.
 * `CampaignId="tj-2019-b2" AND OrgLevel="branch" AND OverdueItems > 0`, or an org's
 * children: `CampaignId="tj-2019-b2" AND ParentOrgId="tj-d1"` (the link in each org's
 * details, `domain/temporal-ui-links.ts`).
 *
 * The dev server's SQLite visibility has 10 Keyword and 3 Int slots in all; this
 * spends 5 and 2. The launcher and docker-compose register exactly this list.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CampaignId = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const OrgId = defineSearchAttributeKey('OrgId', SearchAttributeType.KEYWORD);
export const OrgLevel = defineSearchAttributeKey('OrgLevel', SearchAttributeType.KEYWORD);
export const CampaignPhase = defineSearchAttributeKey('CampaignPhase', SearchAttributeType.KEYWORD);
/** The org id of the org whose fan-out started this org's workflow; the root org has none. */
export const ParentOrgId = defineSearchAttributeKey('ParentOrgId', SearchAttributeType.KEYWORD);
export const OpenProblems = defineSearchAttributeKey('OpenProblems', SearchAttributeType.INT);
export const OverdueItems = defineSearchAttributeKey('OverdueItems', SearchAttributeType.INT);

/** Name and CLI type of each attribute, for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTES = [
  { name: 'CampaignId', type: 'Keyword' },
  { name: 'OrgId', type: 'Keyword' },
  { name: 'OrgLevel', type: 'Keyword' },
  { name: 'CampaignPhase', type: 'Keyword' },
  { name: 'ParentOrgId', type: 'Keyword' },
  { name: 'OpenProblems', type: 'Int' },
  { name: 'OverdueItems', type: 'Int' },
] as const;
