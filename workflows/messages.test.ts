import { describe, expect, it } from 'vitest';
import { Rules } from '../domain/campaign.js';
import { OrgNode, type CampaignRef, type OrgRef } from '../domain/org-node.js';
import * as messages from './messages.js';
import { orgCommands } from './org-node-messages.js';

const NOW = Date.parse('2019-10-01T04:00:00Z');
/** A campaign of integrated phases around the test's day. */
const campaign: CampaignRef = {
  id: 'c',
  batch: 2,
  phaseMode: 'integrated',
  rules: Rules.parse({}),
  startsOn: '2019-09-01',
  endsOn: '2019-12-31',
  rootOrgId: 'tj',
};
const org: OrgRef = { id: 'b1', level: 'branch', name: '第一党支部', parentId: 'u1', path: '/tj/d1/u1/b1/' };
const tables = {
  org: orgCommands,
  campaign: messages.campaignCommands,
  inspection: messages.inspectionCommands,
  publicMessage: messages.publicMessageCommands,
};

describe('message tables', () => {
  it('name each update after its entry, once across every workflow', () => {
    const names = Object.values(tables).flatMap((table) =>
      Object.entries(table).map(([key, entry]) => {
        expect(entry.update.name).toBe(key);
        expect(entry.name).toBe(key);
        return key;
      }),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('keep the old update names as the same definitions', () => {
    expect(messages.mobiliseUpdate).toBe(orgCommands.mobilise.update);
    expect(messages.democraticLifeMeetingUpdate).toBe(orgCommands.recordDemocraticLifeMeeting.update);
    expect(messages.closeCampaignUpdate).toBe(messages.campaignCommands.closeCampaign.update);
  });

  it('run an org command as the OrgNode decision it names, after its schema', () => {
    const node = new OrgNode(campaign, org);
    node.start(NOW);
    const cmd = { date: '2019-09-05', attendance: 30, by: 'secretary' };
    expect(orgCommands.mobilise.schema.safeParse(cmd).success).toBe(true);
    expect(orgCommands.mobilise.decide(node, cmd, NOW, { escalationText: null })).toEqual({ date: '2019-09-05', attendance: 30 });
    expect(node.outbox.map((e) => e.type)).toContain('OrgMobilised');
    expect(orgCommands.concludeReview.schema.safeParse({ by: 'secretary', extra: 1 }).success).toBe(false);
  });

  it('fill in a directive’s defaults before deciding', () => {
    const node = new OrgNode(campaign, { ...org, id: 'tj', level: 'city', parentId: null, path: '/tj/' });
    node.start(NOW);
    node.mobilise({ date: '2019-09-05', attendance: 30, by: 'secretary' }, NOW);
    const answer = orgCommands.issueDirective.decide(
      node,
      { directiveId: 'd1', title: '精简文件', instructions: '停用重复报表', deadline: '2019-12-01', targetLevels: ['branch'], by: 'secretary' },
      NOW,
      { escalationText: null },
    );
    expect(answer).toEqual({ directiveId: 'd1' });
    expect(node.outbox.find((e) => e.type === 'DirectiveIssued')).toMatchObject({ directive: { kind: 'task', targetOrgIds: [] } });
  });
});
