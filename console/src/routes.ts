/** The console's addresses (hash routing: the server serves one page). */

/** `#/c/<campaign>/o/<org>`: the overview at an org. */
export const overviewHref = (campaignId: string, orgId: string) => `#/c/${encodeURIComponent(campaignId)}/o/${encodeURIComponent(orgId)}`;
/** `#/c/<campaign>/o/<org>/<screen>`: one of the org's screens (screens.tsx). */
export const screenHref = (campaignId: string, orgId: string, screen: string) => `${overviewHref(campaignId, orgId)}/${screen}`;
/** The org's own page. */
export const orgPageHref = (campaignId: string, orgId: string) => screenHref(campaignId, orgId, 'page');
