/**
 * Re-records the workflow histories the replay test (`test/replay.test.ts`) replays on
 * every `npm test`. Run it on purpose, when a workflow change is meant to alter
 * histories: `npm run record-histories`. It runs one representative campaign (every
 * command, a continue-as-new, a close) on a throwaway Temporal dev server and an
 * in-memory database, and writes `test/histories/*.json`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeCampaign, openJointProblem, orgHandle, startCampaign } from '../client/campaigns.js';
import { startPublicMessage } from '../client/public-messages.js';
import { publicItemId } from '../domain/public-message.js';
import { startInspectionRound } from '../client/inspections.js';
import { campaignWorkflowId, inspectionWorkflowId, jointWorkflowId, orgWorkflowId, publicMessageWorkflowId, reportScheduleId } from '../domain/workflow-ids.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { CampaignSpec } from '../domain/campaign.js';
import { generateTree } from '../domain/generate-tree.js';
import { seedOrgs } from '../test/support/orgs.js';
import { createWorker } from '../worker/create-worker.js';
import {
  campaignCommands,
  inspectionCommands as inspection,
  jointStatusQuery,
  orgStatusQuery,
  publicMessageCommands,
  publicMessageStateQuery,
} from '../workflows/messages.js';
import { orgCommands as org } from '../workflows/org-node-messages.js';
import { findTemporalCli, startTemporalServer } from './temporal-server.js';

const OUT = new URL('../test/histories/', import.meta.url);

const server = process.env.TEMPORAL_ADDRESS ? undefined : await startTemporalServer({ uiPort: false });
const address = process.env.TEMPORAL_ADDRESS ?? server!.address;
const db = await openDatabase({});
await migrateToLatest(db.kysely);
await seedOrgs(db.kysely, generateTree('small'));
const connection = await Connection.connect({ address });
const client = new Client({ connection });
const taskQueue = `record-${Date.now()}`;
const { worker, close } = await createWorker({ address, namespace: 'default', taskQueue, db: db.kysely, clientConnection: connection });

const histories = await worker.runUntil(async () => {
  const spec = CampaignSpec.parse({
    id: `record-${Date.now()}`,
    name: '主题教育（回放样本）',
    batch: 2,
    rootOrgId: 'tj',
    phaseMode: 'sequential',
    startsOn: '2019-09-01',
    endsOn: '2099-12-31',
    rules: { minStudyDays: 1, progressReportSeconds: 1, warningDays: 0.00002, autoMobiliseLevels: ['district', 'unit', 'branch'] },
  });
  await startCampaign(client, taskQueue, spec, { historyLimit: 80 });
  const by = 'recorder';
  const root = orgHandle(client, spec.id, 'tj');
  await until(() =>
    root.query(orgStatusQuery).then(
      () => true,
      () => false,
    ),
  );
  await root.executeUpdate(org.mobilise.update, { args: [{ date: '2019-09-05', attendance: 200, by }] });
  await root.executeUpdate(org.recordStudySession.update, {
    args: [{ sessionId: 's1', date: '2019-09-10', kind: 'concentrated', hours: 4, attendance: 80, by }],
  });
  await root.executeUpdate(org.proposeTopic.update, { args: [{ topicId: 't1', leader: '市委书记', title: '基层减负调研', by }] });
  await root.executeUpdate(org.vetTopic.update, { args: [{ topicId: 't1', decision: 'approved', by }] });
  await root.executeUpdate(org.submitReport.update, { args: [{ reportId: 'r1', topicId: 't1', title: '调研报告', policyMeasures: 3, by }] });
  for (let i = 0; i < 12; i++) {
    await root.executeUpdate(org.recordProblem.update, {
      args: [{ problemId: `p${i}`, source: 'democratic_life', category: '形式主义', description: `问题${i}`, by }],
    });
  }
  await root.executeUpdate(org.concludeReview.update, { args: [{ by }] });
  await root.executeUpdate(org.recordDemocraticLifeMeeting.update, {
    args: [
      { meetingId: 'm1', date: '2019-09-20', attendance: 12, criticisms: 9, problems: [{ problemId: 'm1-1', category: '作风', description: '调研不深' }], by },
    ],
  });
  // A deadline seconds away: the durable timer turns it yellow, then red.
  const soon = new Date(Date.now() + 3000).toISOString();
  await root.executeUpdate(org.planRectification.update, { args: [{ problemId: 'p1', owner: '办公室主任', measures: '压减会议', deadline: soon, by }] });
  await until(async () => (await root.query(orgStatusQuery)).own.overdue === 1);
  await root.executeUpdate(org.extendDeadline.update, { args: [{ problemId: 'p1', deadline: '2099-01-01', reason: '需要预算', by }] });
  await root.executeUpdate(org.planRectification.update, {
    args: [{ problemId: 'p0', owner: '办公室主任', measures: '精简文件', deadline: '2099-01-01', by }],
  });
  await root.executeUpdate(org.startRectification.update, { args: [{ problemId: 'p0', by }] });
  await root.executeUpdate(org.submitRectification.update, { args: [{ problemId: 'p0', evidence: '文件减少四成', by }] });
  await root.executeUpdate(org.verifyRectification.update, {
    args: [{ problemId: 'p0', decision: 'returned', reason: '缺少数据', by: 'inspector', verifierRole: 'inspector', verifierOrgId: null }],
  });
  await root.executeUpdate(org.submitRectification.update, { args: [{ problemId: 'p0', evidence: '文件减少四成，附统计表', by }] });
  await root.executeUpdate(org.verifyRectification.update, {
    args: [{ problemId: 'p0', decision: 'verified', by: 'inspector', verifierRole: 'inspector', verifierOrgId: null }],
  });
  await until(async () => (await root.query(orgStatusQuery)).subtree.mobilised === 40);
  // 下题上答: a branch escalates to its district, which forwards it to the city, which claims it.
  const branch = orgHandle(client, spec.id, 'tj-d1-u1-b1');
  // Sequential mode: the branch studies and researches before its review opens.
  await branch.executeUpdate(org.recordStudySession.update, {
    args: [{ sessionId: 's1', date: '2019-09-12', kind: 'concentrated', hours: 3, attendance: 20, by }],
  });
  await branch.executeUpdate(org.proposeTopic.update, { args: [{ topicId: 't1', leader: '支部书记', title: '社区服务', by }] });
  await branch.executeUpdate(org.vetTopic.update, { args: [{ topicId: 't1', decision: 'approved', by }] });
  await branch.executeUpdate(org.submitReport.update, { args: [{ reportId: 'r1', topicId: 't1', title: '报告', policyMeasures: 1, by }] });
  await branch.executeUpdate(org.recordProblem.update, {
    args: [{ problemId: 'b-p1', source: 'self_inspection', category: '政策', description: '根子在上面', by }],
  });
  const { escalationId } = await branch.executeUpdate(org.escalateProblem.update, {
    args: [{ problemId: 'b-p1', targetOrgId: 'tj-d1', reason: '区级政策', by }],
  });
  const district = orgHandle(client, spec.id, 'tj-d1');
  await until(async () => (await district.query(orgStatusQuery)).own.escalationsPending === 1);
  await district.executeUpdate(org.forwardEscalation.update, { args: [{ escalationId, reason: '市级统筹', by }] });
  await until(async () => (await root.query(orgStatusQuery)).own.escalationsPending === 1);
  await root.executeUpdate(org.claimEscalation.update, { args: [{ escalationId, problemId: 'city-p1', by }] });
  // 上题下答: a directive to every branch, relayed down, then cancelled.
  await root.executeUpdate(org.issueDirective.update, {
    args: [{ directiveId: 'd1', title: '精简文件', instructions: '停用重复报表', deadline: '2099-01-01', targetLevels: ['branch'], by }],
  });
  await until(async () => (await branch.query(orgStatusQuery)).own.problems === 2);
  await root.executeUpdate(org.cancelDirective.update, { args: [{ directiveId: 'd1', by }] });
  await until(async () => (await branch.query(orgStatusQuery)).own.problems === 1);
  // 同题共答: the city and a district answer one problem together.
  await openJointProblem(client, taskQueue, spec.id, {
    jointId: 'j1',
    title: '停车难',
    description: '市区共答',
    openerOrgId: 'tj',
    participantOrgIds: ['tj', 'tj-d1'],
  });
  const jointHandle = client.workflow.getHandle(jointWorkflowId(spec.id, 'j1'));
  await until(async () => Object.values((await jointHandle.query(jointStatusQuery)).parts).every((p) => p === 'found'));
  // Only the city's part is verified here (the district, in sequential mode, has not reached rectification): the joint stays open.
  for (const o of ['tj']) {
    const h = orgHandle(client, spec.id, o);
    await h.executeUpdate(org.planRectification.update, {
      args: [{ problemId: 'joint-j1', owner: '交通部门', measures: '增设车位', deadline: '2099-01-01', by }],
    });
    await h.executeUpdate(org.startRectification.update, { args: [{ problemId: 'joint-j1', by }] });
    await h.executeUpdate(org.submitRectification.update, { args: [{ problemId: 'joint-j1', evidence: '新增车位', by }] });
    await h.executeUpdate(org.verifyRectification.update, {
      args: [{ problemId: 'joint-j1', decision: 'verified', by: 'inspector', verifierRole: 'inspector', verifierOrgId: null }],
    });
  }
  await until(async () => (await jointHandle.query(jointStatusQuery)).parts.tj === 'closed');
  // 民意直通车: one message routed by rule to the city and resolved; one no rule routes, flagged, then triaged by hand.
  await db.kysely.insertInto('public_message_routes').values({ campaign_id: spec.id, position: 0, category: '交通', org_id: 'tj', set_by: by }).execute();
  const message = (messageId: string, category: string, triageSeconds: number | null) =>
    startPublicMessage(client, taskQueue, spec.id, {
      messageId,
      category,
      area: '河西区',
      text: `群众留言 ${messageId}`,
      contact: null,
      officeOrgId: 'tj',
      triageSeconds,
    });
  await message('m-routed', '交通', null);
  await message('m-triaged', '环境', 1);
  const routedMessage = client.workflow.getHandle(publicMessageWorkflowId(spec.id, 'm-routed'));
  const triagedMessage = client.workflow.getHandle(publicMessageWorkflowId(spec.id, 'm-triaged'));
  await until(async () => (await routedMessage.query(publicMessageStateQuery)).state === 'routed');
  // Planned as soon as the city has the item in its ledger.
  await until(() =>
    root
      .executeUpdate(org.planRectification.update, {
        args: [{ problemId: publicItemId('m-routed'), owner: '交通部门', measures: '修复信号灯', deadline: '2099-01-01', by }],
      })
      .then(
        () => true,
        () => false,
      ),
  );
  await root.executeUpdate(org.startRectification.update, { args: [{ problemId: publicItemId('m-routed'), by }] });
  await root.executeUpdate(org.submitRectification.update, { args: [{ problemId: publicItemId('m-routed'), evidence: '已修复', by }] });
  await root.executeUpdate(org.verifyRectification.update, {
    args: [{ problemId: publicItemId('m-routed'), decision: 'verified', by: 'inspector', verifierRole: 'inspector', verifierOrgId: null }],
  });
  await routedMessage.result();
  await until(async () => (await triagedMessage.query(publicMessageStateQuery)).flagged);
  await triagedMessage.executeUpdate(publicMessageCommands.triagePublicMessage.update, { args: [{ toOrgId: 'tj-d1', by }] });
  // 暗访抽查: a round over one unit samples its three branches, checks them, and circulates its notice.
  await startInspectionRound(client, taskQueue, spec.id, {
    roundId: 'r1',
    groupId: 'g1',
    scopeOrgId: 'tj-d1-u1',
    sampleSize: 3,
    seed: 'record',
    stratifyByLevel: false,
    inspectors: ['inspector:rec'],
    startedBy: by,
  });
  const round = client.workflow.getHandle(inspectionWorkflowId(spec.id, 'r1'));
  await until(() =>
    round.executeUpdate(inspection.recordInterviews.update, { args: [{ count: 5, notes: '个别访谈', by }] }).then(
      () => true,
      () => false,
    ),
  );
  await round.executeUpdate(inspection.addFinding.update, {
    args: [{ orgId: 'tj-d1-u1-b1', prevention: 'problems_inaccurate', detail: '问题清单照抄上级', by }],
  });
  await round.executeUpdate(inspection.issueFindings.update, { args: [{ by }] });
  await round.executeUpdate(inspection.circulateNotice.update, { args: [{ title: '暗访抽查通报', by }] });
  await round.result();
  await until(async () => (await branch.query(orgStatusQuery)).own.problems > 1);
  // 例会: the weekly report Schedule triggered now; its run is recorded as report-1.
  await client.schedule.getHandle(reportScheduleId(spec.id, 'weekly')).trigger();
  let reportId: string | undefined;
  await until(async () => {
    for await (const run of client.workflow.list({ query: `WorkflowType = "reportWorkflow" AND CampaignId = "${spec.id}"` })) reportId = run.workflowId;
    return reportId !== undefined;
  });
  await client.workflow.getHandle(reportId!).result();
  await closeCampaign(client, spec.id, by, '回放样本结束');
  await client.workflow.getHandle(campaignWorkflowId(spec.id)).result();

  const picked: Record<string, string> = {};
  // The CLI writes the JSON form that historyFromJSON reads back.
  const cli = await findTemporalCli();
  const take = async (name: string, workflowId: string, runId?: string) => {
    const args = ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json', ...(runId ? ['--run-id', runId] : [])];
    picked[name] = (await promisify(execFile)(cli, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
  };
  // Every run of each workflow, oldest first: busy orgs continue as new, and their earlier runs hold the escalation and directive.
  const takeRuns = async (name: string, workflowId: string) => {
    const runs = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
    runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    for (const [i, run] of runs.entries()) await take(`${name}-${i + 1}`, workflowId, run.runId);
    return runs.length;
  };
  await takeRuns('campaign', campaignWorkflowId(spec.id));
  await takeRuns('joint', jointWorkflowId(spec.id, 'j1'));
  await takeRuns('public-routed', publicMessageWorkflowId(spec.id, 'm-routed'));
  await takeRuns('public-triaged', publicMessageWorkflowId(spec.id, 'm-triaged'));
  await takeRuns('inspection', inspectionWorkflowId(spec.id, 'r1'));
  await take('report-1', reportId!);
  await takeRuns('org-branch', orgWorkflowId(spec.id, 'tj-d1-u1-b1'));
  await takeRuns('org-district', orgWorkflowId(spec.id, 'tj-d1'));
  if ((await takeRuns('org-root', orgWorkflowId(spec.id, 'tj'))) < 2) throw new Error('the root did not continue as new; lower historyLimit');
  await jointHandle.terminate('recording over');
  await triagedMessage.terminate('recording over');
  return picked;
});

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
for (const [name, json] of Object.entries(histories)) await writeFile(new URL(`${name}.json`, OUT), json);
console.log(`wrote ${Object.keys(histories).length} histories to test/histories/`);
// The commands of the workflows' tables that no history recorded here holds: no replay covers them until they are sent above.
const commands = Object.keys({ ...org, ...inspection, ...publicMessageCommands, ...campaignCommands });
const unsent = commands.filter((name) => !Object.values(histories).some((json) => new RegExp(`"name":\\s*"${name}"`).test(json)));
if (unsent.length > 0) console.log(`not in the sample, so not replayed: ${unsent.join(', ')}`);
await close();
await connection.close();
await db.close();
await server?.stop();

async function until(probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}
