/**
 * 同题共答 through the API: an org opens a joint problem with participants at several
 * levels; everyone involved reads everyone's status. What the routes read comes from
 * db/models/joint-answers.ts.
 */
import { z } from 'zod';
import { openJointProblem } from '../../client/campaigns.js';
import { ItemId } from '../../domain/commands.js';
import type { JointSpec } from '../../domain/joint.js';
import { campaignStatus, jointItems, jointProblem, participantsInDirectory } from '../../db/models/joint-answers.js';
import { jointStatusQuery } from '../../workflows/messages.js';
import { principal, requireOrgAccess } from '../auth.js';
import type { ApiDeps, ApiInstance } from '../deps.js';
import { conflict, forbidden, notFound, unprocessable } from '../problem.js';
import { ok, ORG_404, responses, Timestamp } from '../openapi.js';
import { CampaignOrgParams, CampaignParams } from './campaigns.js';

const OpenBody = z
  .object({
    jointId: ItemId,
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(4000),
    participantOrgIds: z.array(z.string().min(1).max(64)).min(2).max(200),
  })
  .strict();

const Opened = z.object({ jointId: z.string(), created: z.boolean().describe('false: this same joint problem was already opened (a retry)') });
const Joint = z.looseObject({
  campaign_id: z.string(),
  joint_id: z.string(),
  title: z.string(),
  description: z.string(),
  opener_org_id: z.string(),
  parts: z.record(z.string(), z.string()).describe('each participant’s part status, by org id'),
  status: z.string().describe('open or closed'),
  opened_at: Timestamp,
  closed_at: Timestamp.nullable(),
  items: z.array(
    z.looseObject({
      org_id: z.string(),
      problem_id: z.string(),
      status: z.string(),
      owner: z.string().nullable(),
      deadline: Timestamp.nullable(),
      alert: z.string(),
    }),
  ),
});

export function jointAnswerRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  app.post(
    '/campaigns/:id/orgs/:orgId/joint-problems',
    {
      schema: {
        tags: ['joint answers'],
        summary: 'Open a joint problem (同题共答) with participants at several levels',
        params: CampaignOrgParams,
        body: OpenBody,
        response: responses(
          {
            201: ok(Opened, 'Opened: each participant gets its part'),
            200: ok(Opened, 'Already opened with this same title, description, opener and participants: nothing new'),
          },
          {
            body: { limit: '1 MiB' },
            temporal: true,
            403: 'only the org’s own secretary or organiser, or an organiser above it, acts for the org',
            404: `${ORG_404}; or no such campaign`,
            409: 'the campaign is not running; a joint problem with this id exists with another title, description, opener or participants',
            422: 'a participant not in the directory, or outside the opener’s subtree',
          },
        ),
      },
    },
    async (request, reply) => {
      const { path: openerPath } = await requireOrgAccess(db, request, request.params.orgId, 'act');
      const ids = [...new Set(request.body.participantOrgIds)];
      const { unknown: missing, outside } = await participantsInDirectory(db, ids, openerPath);
      if (missing.length)
        throw unprocessable(`unknown participants: ${missing.join(', ')}`, [{ path: 'body.participantOrgIds', message: `unknown: ${missing.join(', ')}` }]);
      // The opener leads the joint answer over its own subtree: a participant elsewhere would get an
      // item in its ledger (and a rectification it cannot finish without it) from an org with no say over it.
      if (outside.length) {
        throw unprocessable(`participants must be ${request.params.orgId} or within its subtree: ${outside.join(', ')} are not`, [
          { path: 'body.participantOrgIds', message: `outside ${request.params.orgId}'s subtree: ${outside.join(', ')}` },
        ]);
      }
      // The joint workflow records its events in the campaign: there must be one, and it must be running.
      const status = await campaignStatus(db, request.params.id);
      if (status === undefined) throw notFound(`campaign ${request.params.id}`);
      if (status !== 'running') throw conflict(`campaign ${request.params.id} is ${status}: it takes no new joint problems`);
      const spec: JointSpec = { ...request.body, participantOrgIds: ids, openerOrgId: request.params.orgId };
      const { created, workflowId } = await openJointProblem(temporal.client, temporal.taskQueue, request.params.id, spec);
      // The same id again is a retry only with the same problem, as for campaigns; anything else is a conflict, not a silent 200.
      if (!created && !sameJoint((await temporal.client.workflow.getHandle(workflowId).query(jointStatusQuery)).spec, spec)) {
        throw conflict(`joint problem ${spec.jointId} already exists with another title, description, opener or participants`);
      }
      return reply.code(created ? 201 : 200).send({ jointId: request.body.jointId, created });
    },
  );

  app.get(
    '/campaigns/:id/joint-problems/:jointId',
    {
      schema: {
        tags: ['joint answers'],
        summary: 'A joint problem with every part’s status',
        params: CampaignParams.extend({ jointId: ItemId }),
        response: responses(
          { 200: ok(Joint, 'The joint problem, each part’s status and each participant’s item') },
          { 403: 'only orgs involved (the opener, a participant, or above them) read it', 404: 'no such joint problem in the campaign' },
        ),
      },
    },
    async (request) => {
      const joint = await jointProblem(db, request.params.id, request.params.jointId);
      if (!joint) throw notFound(`joint problem ${request.params.jointId}`);
      // Whoever can read the opener or any participant sees everyone's status.
      const involved = [joint.opener_org_id, ...Object.keys(joint.parts)];
      const p = principal(request);
      let allowed = p.role === 'admin';
      for (const orgId of involved) {
        if (allowed) break;
        allowed = await requireOrgAccess(db, request, orgId, 'read').then(
          () => true,
          () => false,
        );
      }
      if (!allowed) throw forbidden(`only orgs involved in joint problem ${joint.joint_id} may read it`);
      const items = await jointItems(db, request.params.id, joint.joint_id);
      return { ...joint, items };
    },
  );
}

function sameJoint(a: JointSpec, b: JointSpec): boolean {
  const key = (s: JointSpec) => JSON.stringify([s.jointId, s.title, s.description, s.openerOrgId, [...s.participantOrgIds].sort()]);
  return key(a) === key(b);
}
