import { describe, expect, it } from 'vitest';
import {
  campaignWorkflowId,
  inspectionWorkflowId,
  jointWorkflowId,
  orgWorkflowId,
  parseOrgWorkflowId,
  parseWorkflowId,
  publicMessageWorkflowId,
  reportScheduleId,
  reportWorkflowId,
} from './workflow-ids.js';

describe('workflow ids', () => {
  it('are paths under the campaign, read back by the parser', () => {
    expect(campaignWorkflowId('c1')).toBe('campaign/c1');
    expect(parseWorkflowId(campaignWorkflowId('c1'))).toEqual({ kind: 'campaign', campaignId: 'c1' });
    expect(orgWorkflowId('c1', 'tj-d1')).toBe('campaign/c1/org/tj-d1');
    expect(parseWorkflowId(orgWorkflowId('c1', 'tj-d1'))).toEqual({ kind: 'org', campaignId: 'c1', orgId: 'tj-d1' });
    expect(parseWorkflowId(jointWorkflowId('c1', 'j1'))).toEqual({ kind: 'joint', campaignId: 'c1', jointId: 'j1' });
    expect(parseWorkflowId(publicMessageWorkflowId('c1', 'm1'))).toEqual({ kind: 'public', campaignId: 'c1', messageId: 'm1' });
    expect(parseWorkflowId(inspectionWorkflowId('c1', 'r1'))).toEqual({ kind: 'inspection', campaignId: 'c1', roundId: 'r1' });
    expect(reportScheduleId('c1', 'weekly')).toBe('campaign/c1/report/weekly');
    expect(reportWorkflowId('c1', 'weekly', '2026-12-06T00:00:00.000Z')).toBe('campaign/c1/report/weekly/2026-12-06T00:00:00.000Z');
    expect(parseWorkflowId(reportWorkflowId('c1', 'weekly', '2026-12-06T00:00:00.000Z'))).toEqual({
      kind: 'report',
      campaignId: 'c1',
      name: 'weekly/2026-12-06T00:00:00.000Z',
    });
  });

  it('parse nothing else', () => {
    for (const id of ['', 'campaign', 'campaign/', 'campaign/c1/org', 'campaign/c1/org/', 'campaign/c1/org/a/b', 'campaign/c1/other/x', 'other/c1/org/a']) {
      expect(parseWorkflowId(id)).toBeUndefined();
    }
    expect(parseOrgWorkflowId('campaign/c1/joint/j1')).toBeUndefined();
    expect(parseOrgWorkflowId('campaign/c1/org/tj')).toEqual({ campaignId: 'c1', orgId: 'tj' });
  });
});
