import { describe, expect, test } from 'vitest';
import { OrgNode } from '../org-node.js';
import { by, campaign, district, NOW, quiet, rectify, rejects, taken, types } from './test-support.js';

const inspector = { by: 'inspector:1', verifierRole: 'inspector', verifierOrgId: 'tj' };
/** The statuses `node` reported back on `signal`, in order, all to `workflowId`. */
function reported(node: OrgNode, signal: string, workflowId: string): string[] {
  const told = taken(node).signals.filter((s) => s.signal === signal);
  expect(told.every((s) => s.workflowId === workflowId)).toBe(true);
  return told.map((s) => (s.payload as { status: string }).status);
}

describe('a joint part (同题共答)', () => {
  const part = { jointId: 'j1', jointWorkflowId: 'campaign/c/joint/j1', title: '停车难', description: '老城区停车位不足', openerOrgId: 'tj' };

  test('becomes an item of this org’s ledger, accepted once, reported back to the joint workflow as it moves', () => {
    const node = quiet({}, district);
    node.jointPartAssigned(part, NOW);
    node.jointPartAssigned(part, NOW); // delivered twice
    const first = taken(node);
    expect(types(first.events)).toEqual(['ProblemRecorded', 'JointPartAccepted']);
    expect(first.events[0]).toMatchObject({
      problemId: 'joint-j1',
      source: 'joint_answer',
      category: '同题共答',
      description: '停车难: 老城区停车位不足（tj 发起）',
      by: 'joint:tj',
    });
    expect(first.events[1]).toMatchObject({ jointId: 'j1', problemId: 'joint-j1' });
    expect(first.signals).toEqual([
      { workflowId: 'campaign/c/joint/j1', signal: 'jointPartStatus', payload: { jointId: 'j1', orgId: 'd1', status: 'found' }, originProblemId: null },
    ]);
    rectify(node, 'joint-j1');
    expect(reported(node, 'jointPartStatus', 'campaign/c/joint/j1')).toEqual(['planned', 'in_progress', 'rectified', 'closed']);
  });

  test('a return is reported too, so the joint workflow never takes a part for done before it is verified', () => {
    const node = quiet({}, district);
    node.jointPartAssigned(part, NOW);
    node.planRectification({ problemId: 'joint-j1', owner: '交管', measures: '新建停车场', deadline: '2019-12-01', by }, NOW);
    node.startRectification({ problemId: 'joint-j1', by }, NOW);
    node.submitRectification({ problemId: 'joint-j1', evidence: '已建成', by }, NOW);
    node.verifyRectification({ problemId: 'joint-j1', decision: 'returned', reason: '车位仍不足', ...inspector }, NOW);
    expect(reported(node, 'jointPartStatus', 'campaign/c/joint/j1')).toEqual(['found', 'planned', 'in_progress', 'rectified', 'in_progress']);
  });
});

describe('a public message (民意直通车)', () => {
  const message = { messageId: 'm1', messageWorkflowId: 'campaign/c/public/m1', category: '交通', area: '和平区', text: '红绿灯坏了' };

  test('an item closed only once verified: rectified is not closed, a return reopens it, each move reported back', () => {
    const node = quiet({}, district);
    node.publicMessageAssigned(message, NOW);
    node.publicMessageAssigned(message, NOW);
    expect(taken(node).events).toMatchObject([
      {
        type: 'ProblemRecorded',
        problemId: 'public-m1',
        source: 'public_message',
        category: '交通',
        description: '红绿灯坏了（民意直通车 · 和平区）',
        by: 'public',
      },
      { type: 'PublicMessageAccepted', messageId: 'm1', problemId: 'public-m1' },
    ]);
    node.planRectification({ problemId: 'public-m1', owner: '交管', measures: '更换', deadline: '2019-12-01', by }, NOW);
    node.startRectification({ problemId: 'public-m1', by }, NOW);
    node.submitRectification({ problemId: 'public-m1', evidence: '已更换', by }, NOW);
    expect(node.state.problems['public-m1']!.status).toBe('rectified');
    node.verifyRectification({ problemId: 'public-m1', decision: 'returned', reason: '仍不亮', ...inspector }, NOW);
    node.submitRectification({ problemId: 'public-m1', evidence: '已修复', by }, NOW);
    node.verifyRectification({ problemId: 'public-m1', decision: 'verified', ...inspector }, NOW);
    expect(reported(node, 'publicMessageStatus', 'campaign/c/public/m1')).toEqual([
      'planned',
      'in_progress',
      'rectified',
      'in_progress',
      'rectified',
      'closed',
    ]);
    expect(node.state.problems['public-m1']!.status).toBe('closed');
  });
});

describe('a spot-check finding (暗访抽查)', () => {
  const finding = {
    roundId: 'r1',
    groupId: 'g2',
    finding: { findingId: 'f1', orgId: 'b1', prevention: 'study_superficial' as const, detail: '学习笔记雷同', by: 'rule' },
  };

  test('an item of the inspected org, once, naming the prevention, the group and the round; nothing reported back', () => {
    const node = quiet();
    node.spotCheckFinding(finding, NOW);
    node.spotCheckFinding(finding, NOW);
    const { events, signals } = taken(node);
    expect(events).toMatchObject([
      {
        type: 'ProblemRecorded',
        problemId: 'spot-r1-f1',
        source: 'spot_check',
        category: '暗访抽查',
        description: '防止学习教育走过场：学习笔记雷同（巡回指导组 g2 暗访抽查 r1）',
        by: 'inspection:g2',
      },
    ]);
    expect(signals).toEqual([]);
    rectify(node, 'spot-r1-f1');
    expect(node.state.problems['spot-r1-f1']!.status).toBe('closed');
  });

  test('lands even where review has not opened (sequential mode), as escalations and directives do', () => {
    const node = quiet({ phaseMode: 'sequential' });
    expect(node.state.components.review).toBe('locked');
    node.spotCheckFinding(finding, NOW);
    expect(node.state.problems['spot-r1-f1']).toMatchObject({ status: 'found' });
  });
});

describe('a special project (专项整治)', () => {
  test('created once by a mobilised org; the same again is the same answer, another under its id a conflict', () => {
    const cmd = { projectId: 'x1', title: '整治文山会海', leadOrgId: 'd1', participantOrgIds: ['u1', 'u2'], by };
    rejects(() => new OrgNode(campaign(), district).createProject(cmd, NOW), 'Conflict');
    const node = quiet({}, district);
    expect(node.createProject(cmd, NOW)).toEqual({ projectId: 'x1' });
    expect(node.createProject(cmd, NOW)).toEqual({ projectId: 'x1' });
    expect(taken(node).events).toMatchObject([
      { type: 'ProjectCreated', projectId: 'x1', title: '整治文山会海', leadOrgId: 'd1', participantOrgIds: ['u1', 'u2'], by },
    ]);
    rejects(() => node.createProject({ ...cmd, title: '另一个' }, NOW), 'Conflict', 'projectId');
  });
});
