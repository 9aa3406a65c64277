/**
 * Work handed to an org by another workflow, each an item of its own ledger with the
 * full lifecycle (`rectification.ts`): a part of a joint problem (同题共答) and a citizen's
 * message (民意直通车), both reported back to their workflow as the item moves (the
 * context's `reportBack`); a guidance group's spot-check finding (暗访抽查); and a special
 * rectification project (专项整治) with its lead department and participants.
 *
 * The rest of these protocols: the payloads and item ids in `domain/joint.ts`,
 * `domain/public-message.ts` and `domain/inspection.ts`; the handing-over workflows
 * `workflows/joint-answer.ts`, `workflows/public-message.ts` and `workflows/inspection.ts`,
 * their signals in `workflows/messages.ts`, the org's commands in `workflows/org-node-messages.ts`; delivery of the status reports in
 * `activities/deliver-signals.ts`, of messages and findings in
 * `activities/public-messages.ts` and `activities/inspections.ts`; the read models
 * in `db/models/joint-answers.ts`, `db/models/public-messages.ts`, `db/models/inspections.ts`,
 * `db/models/projects.ts` and `db/models/problems.ts` (the items); the routes in `api/routes/joint-answers.ts`,
 * `api/routes/public-messages.ts`, `api/routes/inspections.ts` and
 * `api/routes/org-actions.ts`; unit tests in `assignments.test.ts`, integration in
 * `test/cross-level/joint.test.ts`, `test/public/public-messages.test.ts` and
 * `test/inspection/spot-check.test.ts`.
 */
import { PREVENTION_NAMES, spotCheckItemId, type SpotCheckFinding } from '../inspection.js';
import { jointItemId, type JointPartAssignment } from '../joint.js';
import { publicItemId, type PublicMessageAssignment } from '../public-message.js';
import { Rejection } from '../rejection.js';
import type { OrgContext } from './context.js';

/** This org's part of a joint problem (同题共答): an item in its own ledger, reported back as it moves. */
export function jointPartAssigned(ctx: OrgContext, part: JointPartAssignment, nowMs: number): void {
  const problemId = jointItemId(part.jointId);
  if (ctx.state.problems[problemId]) return;
  const description = `${part.title}: ${part.description}（${part.openerOrgId} 发起）`;
  ctx.enterLedger({ problemId, source: 'joint_answer', category: '同题共答', description, by: `joint:${part.openerOrgId}` }, nowMs, null);
  ctx.state.problems[problemId]!.jointWorkflowId = part.jointWorkflowId;
  ctx.emit(nowMs, { type: 'JointPartAccepted', jointId: part.jointId, problemId });
  ctx.reportBack(problemId);
  ctx.advance(nowMs);
}

/** A citizen's message routed here (民意直通车): an item in this org's ledger, closed only once verified, reported back as it moves. */
export function publicMessageAssigned(ctx: OrgContext, message: PublicMessageAssignment, nowMs: number): void {
  const problemId = publicItemId(message.messageId);
  if (ctx.state.problems[problemId]) return;
  const description = `${message.text}（民意直通车 · ${message.area}）`;
  ctx.enterLedger({ problemId, source: 'public_message', category: message.category, description, by: 'public' }, nowMs, null);
  ctx.state.problems[problemId]!.publicWorkflowId = message.messageWorkflowId;
  ctx.emit(nowMs, { type: 'PublicMessageAccepted', messageId: message.messageId, problemId });
  ctx.reportBack(problemId);
  ctx.advance(nowMs);
}

/** A guidance group's finding about this org (暗访抽查): an item in its ledger (source `spot_check`), closed only once verified. */
export function spotCheckFinding(ctx: OrgContext, { roundId, groupId, finding }: SpotCheckFinding, nowMs: number): void {
  const problemId = spotCheckItemId(roundId, finding.findingId);
  if (ctx.state.problems[problemId]) return;
  const description = `${PREVENTION_NAMES[finding.prevention]}：${finding.detail}（巡回指导组 ${groupId} 暗访抽查 ${roundId}）`;
  ctx.enterLedger({ problemId, source: 'spot_check', category: '暗访抽查', description, by: `inspection:${groupId}` }, nowMs, null);
}

/** 专项整治: a special rectification project with a lead department and participants. */
export function createProject(
  ctx: OrgContext,
  cmd: { projectId: string; title: string; leadOrgId: string; participantOrgIds: string[]; by: string },
  nowMs: number,
): { projectId: string } {
  const held = ctx.state.projects[cmd.projectId];
  if (held) {
    if (held.title === cmd.title && held.leadOrgId === cmd.leadOrgId) return { projectId: cmd.projectId };
    throw new Rejection('Conflict', `project ${cmd.projectId} already exists`, 'projectId');
  }
  ctx.assertOpenForBusiness();
  if (!ctx.mobilised) throw ctx.lockedRejection('rectification');
  ctx.state.projects[cmd.projectId] = { title: cmd.title, leadOrgId: cmd.leadOrgId, participantOrgIds: cmd.participantOrgIds };
  const { projectId, title, leadOrgId, participantOrgIds, by } = cmd;
  ctx.emit(nowMs, { type: 'ProjectCreated', projectId, title, leadOrgId, participantOrgIds, by });
  return { projectId };
}
