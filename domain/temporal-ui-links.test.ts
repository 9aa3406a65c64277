import { describe, expect, it } from 'vitest';
import {
  campaignLinks,
  childOrgsQuery,
  markdownText,
  operatorQueries,
  orgLinks,
  queryValue,
  withLinks,
  workflowLabel,
  workflowLink,
  workflowListPath,
  workflowPagePath,
} from './temporal-ui-links.js';
import { campaignWorkflowId, orgWorkflowId } from './workflow-ids.js';

describe('Temporal UI links', () => {
  it('open a workflow by id, its slashes encoded, without a run id', () => {
    expect(workflowPagePath('default', orgWorkflowId('demo-2019', 'tj-d1'))).toBe('/namespaces/default/workflows/campaign%2Fdemo-2019%2Forg%2Ftj-d1');
    expect(workflowPagePath('a b', 'x?y#z(1)')).toBe('/namespaces/a%20b/workflows/x%3Fy%23z%281%29');
  });

  it('open the list on a visibility query, URL-encoded', () => {
    expect(workflowListPath('default', 'CampaignId="c" AND OrgLevel="unit"')).toBe(
      '/namespaces/default/workflows?query=CampaignId%3D%22c%22%20AND%20OrgLevel%3D%22unit%22',
    );
  });

  it("list an org's children by campaign and parent, leaving out runs closed by continue-as-new", () => {
    expect(childOrgsQuery('demo-2019', 'tj')).toBe('CampaignId="demo-2019" AND ParentOrgId="tj" AND ExecutionStatus!="ContinuedAsNew"');
    expect(queryValue('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('name a workflow by what its id says', () => {
    expect(workflowLabel(orgWorkflowId('c', 'tj-d1'))).toBe('org tj-d1');
    expect(workflowLabel(campaignWorkflowId('c'))).toBe('campaign c');
    expect(workflowLabel('something/else')).toBe('something/else');
    expect(workflowLink('default', orgWorkflowId('c', 'tj'))).toBe('[org tj](/namespaces/default/workflows/campaign%2Fc%2Forg%2Ftj)');
  });

  it('give an org a link up to its parent and one down to its children', () => {
    const links = orgLinks({ namespace: 'default', campaignId: 'c', orgId: 'tj-d1', parentWorkflowId: orgWorkflowId('c', 'tj'), childCount: 2 });
    expect(links).toBe(
      'Up: [org tj](/namespaces/default/workflows/campaign%2Fc%2Forg%2Ftj) · ' +
        'Down: [2 children of tj-d1](/namespaces/default/workflows?query=CampaignId%3D%22c%22%20AND%20ParentOrgId%3D%22tj-d1%22%20AND%20ExecutionStatus%21%3D%22ContinuedAsNew%22)',
    );
  });

  it('give the root org a link up to the campaign, and a leaf no children link', () => {
    const links = orgLinks({ namespace: 'default', campaignId: 'c', orgId: 'b1', parentWorkflowId: campaignWorkflowId('c'), childCount: 0 });
    expect(links).toBe('Up: [campaign c](/namespaces/default/workflows/campaign%2Fc) · Down: none (no children)');
    expect(orgLinks({ namespace: 'default', campaignId: 'c', orgId: 'u1', parentWorkflowId: 'p', childCount: 1 })).toContain('[1 child of u1]');
    expect(orgLinks({ namespace: 'default', campaignId: 'c', orgId: 'u1', parentWorkflowId: 'p', childCount: undefined })).toContain('[children of u1]');
  });

  it("give the campaign a link down to its root org's workflow", () => {
    expect(campaignLinks({ namespace: 'default', rootOrgWorkflowId: orgWorkflowId('c', 'tj') })).toBe(
      'Down: [root org tj](/namespaces/default/workflows/campaign%2Fc%2Forg%2Ftj)',
    );
  });

  it('keep link text and details from being read as markup', () => {
    expect(markdownText('a_b*c [d](e) `f` #g')).toBe('a\\_b\\*c \\[d\\]\\(e\\) \\`f\\` \\#g');
    expect(withLinks('active · 学习 4/6 天', 'Up: x')).toBe('active · 学习 4/6 天\n\nUp: x');
  });

  it("give an operator's lists of a campaign, each on running workflows of that campaign", () => {
    const queries = operatorQueries('demo-2019');
    expect(queries.map((q) => q.name)).toEqual([
      'lagging orgs (not mobilised, or study not done)',
      'city level: orgs with overdue items in their subtree',
      'district level: orgs with overdue items in their subtree',
      'unit level: orgs with overdue items in their subtree',
      'branch level: orgs with overdue items in their subtree',
      'public messages waiting for triage',
      'runs that failed, timed out or were terminated',
      'runs that failed a workflow task (twice in a row, not yet recovered)',
    ]);
    for (const q of queries) expect(q.query).toMatch(/^CampaignId="demo-2019" AND /);
    expect(queries[2]!.query).toBe('CampaignId="demo-2019" AND ExecutionStatus="Running" AND OrgLevel="district" AND OverdueItems > 0');
  });
});
