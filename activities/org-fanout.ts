/**
 * Cascade down: starting the org workflows of a parent's children, one page at a time,
 * and relaying a signal to every child. Children are independent workflows reached by
 * id, not child workflows: a parent with 3,000 branches never holds thousands of
 * pending children, and its history grows by one activity per page.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { orgWorkflowId } from '../domain/workflow-ids.js';
import { workflowLink } from '../domain/temporal-ui-links.js';
import type { CampaignRef, OrgRef } from '../domain/org-node.js';
import { childrenWithCounts } from '../db/models/directory.js';
import type { Database } from '../db/schema.js';
import type { OrgNodeInput, orgNodeWorkflow } from '../workflows/org-node.js';
import { CampaignId, CampaignPhase, OrgId, OrgLevel, ParentOrgId } from '../workflows/search-attributes.js';
import type { SignalChildOrgsInput, StartChildOrgsInput } from '../workflows/activity-contract.js';
import type { ActivityDeps } from './deps.js';
import { StartPacer } from './start-pacer.js';
import { orgTaskPriority } from '../domain/task-priority.js';

const CONCURRENCY = 32;

/**
 * Starts pause while this many first workflow tasks (or more) are queued unserved
 * (activities/start-pacer.ts says why). A thousand keeps every worker slot fed, and the
 * 3,000-branch unit of the tests never pauses for long.
 */
export const CASCADE_BACKLOG_LIMIT = 1000;

/**
 * How long a paused fan-out stays away: about the time a worker needs for the backlog at
 * ~50 tasks a second, 2–30 s, with ±20% jitter so a thousand paused fan-outs do not all
 * come back in the same second.
 */
function pauseFor(backlog: number): number {
  const ms = Math.min(30_000, Math.max(2_000, (backlog / 50) * 1000));
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** Starts (or finds already started) the org workflows of one page of children. */
export function startChildOrgs({ db, client, taskQueue }: ActivityDeps) {
  const pacer = new StartPacer({ limit: CASCADE_BACKLOG_LIMIT, refreshMs: 500, readBacklog: () => workflowBacklog(client, taskQueue) });
  return async function startChildOrgs(input: StartChildOrgsInput): Promise<{ started: number; nextCursor: string | null }> {
    const { campaign } = input;
    const page = await childPage(db, input.parentOrgId, campaign.rootOrgId, input.cursor, input.limit);
    if (input.parentOrgId === null && page.orgs.length === 0) {
      throw ApplicationFailure.create({ type: 'OrgNotFound', message: `root org ${campaign.rootOrgId} is not in the directory`, nonRetryable: true });
    }
    const ref: CampaignRef = {
      id: campaign.id,
      batch: campaign.batch,
      phaseMode: campaign.phaseMode,
      rules: campaign.rules,
      startsOn: campaign.startsOn,
      endsOn: campaign.endsOn,
      rootOrgId: campaign.rootOrgId,
    };
    // A retried attempt (after a pause, or a worker lost mid-page) resumes after the
    // children its heartbeat counted: the page is the same rows in the same order.
    const resumeAt = Number(Context.current().info.heartbeatDetails ?? 0) || 0;
    for (let from = resumeAt; from < page.orgs.length; from += CONCURRENCY) {
      const backlog = await pacer.paused();
      if (backlog !== undefined) {
        throw ApplicationFailure.create({
          type: 'CascadePaused',
          message: `paused: ${backlog} workflow tasks are waiting for a worker (starts pause at ${pacer.limit}); ${from} of this page's ${page.orgs.length} children are started, the rest follow when this attempt is retried`,
          nextRetryDelay: pauseFor(backlog),
          // A pause is expected, not an error: the worker logs it at DEBUG, not as a warning with its stack.
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      await Promise.all(page.orgs.slice(from, from + CONCURRENCY).map((org) => startOne(org)));
      Context.current().heartbeat(Math.min(from + CONCURRENCY, page.orgs.length));
    }
    return { started: page.orgs.length, nextCursor: page.nextCursor };

    async function startOne(org: OrgRef): Promise<void> {
      const args: OrgNodeInput = {
        campaign: ref,
        org,
        parentWorkflowId: input.parentWorkflowId,
        ...(input.historyLimit ? { historyLimit: input.historyLimit } : {}),
        ...(input.directives?.length ? { directives: input.directives } : {}),
      };
      try {
        await client.workflow.start<typeof orgNodeWorkflow>('orgNodeWorkflow', {
          workflowId: orgWorkflowId(campaign.id, org.id),
          taskQueue,
          args: [args],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          // Three times the default 10 s: a run near its continue-as-new point replays ~3,000
          // events (1.5 MB) when its cached state is lost, and on a saturated machine that
          // took 6–9 s, so tasks timed out and were redone in a loop (seen in the storm test
          // with the cores shared). The cost: a task held by a worker that died is retried
          // after 30 s instead of 10. Continue-as-new keeps the run's timeout.
          workflowTaskTimeout: '30s',
          // The city and the districts ahead of the branches when the queue has a backlog (domain/task-priority.ts).
          priority: orgTaskPriority(org.level),
          typedSearchAttributes: [
            { key: CampaignId, value: campaign.id },
            { key: OrgId, value: org.id },
            { key: OrgLevel, value: org.level },
            { key: CampaignPhase, value: 'mobilisation' },
            // The root org (started by the campaign) has no parent in the campaign.
            ...(input.parentOrgId === null ? [] : [{ key: ParentOrgId, value: input.parentOrgId }]),
          ],
          staticSummary: `${org.name} · ${org.level} · campaign ${campaign.id}`,
          staticDetails: `Org **${org.name}** (${org.id}, ${org.level}) in campaign \`${campaign.id}\`.\n\nPath: \`${org.path}\`\n\nReports progress to ${workflowLink(client.options.namespace, input.parentWorkflowId)}.`,
        });
      } catch (err) {
        // Already started and since finished: it is there, which is all a cascade needs.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
  };
}

/** Relays a signal to every child org's workflow; children that never started or already finished are skipped. */
export function signalChildOrgs({ db, client }: ActivityDeps) {
  return async function signalChildOrgs(input: SignalChildOrgsInput): Promise<{ signalled: number }> {
    let cursor: string | null = (Context.current().info.heartbeatDetails as string | undefined) ?? null;
    let signalled = 0;
    do {
      const page = await childPage(db, input.parentOrgId, '', cursor, 500);
      await inBatches(page.orgs, CONCURRENCY, async (org) => {
        try {
          await client.workflow.getHandle(orgWorkflowId(input.campaignId, org.id)).signal(input.signal, input.payload);
          signalled += 1;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      });
      cursor = page.nextCursor;
      Context.current().heartbeat(cursor);
    } while (cursor);
    return { signalled };
  };
}

async function childPage(
  db: Kysely<Database>,
  parentOrgId: string | null,
  rootOrgId: string,
  cursor: string | null,
  limit: number,
): Promise<{ orgs: OrgRef[]; nextCursor: string | null }> {
  const rows = await childrenWithCounts(db, parentOrgId, rootOrgId, cursor ? decodeCursor(cursor) : undefined, limit + 1);
  const more = rows.length > limit;
  const orgs = rows
    .slice(0, limit)
    .map((r) => ({ id: r.id, level: r.level, name: r.name, parentId: r.parent_id, path: r.path, childCount: Number(r.child_count ?? 0) }));
  const last = rows[limit - 1];
  return { orgs, nextCursor: more && last ? `${last.position}:${last.id}` : null };
}

/** The task queue's approximate backlog of workflow tasks, as the server reports it. */
export async function workflowBacklog(client: Client, taskQueue: string): Promise<number | undefined> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    reportStats: true,
  });
  const count = response.stats?.approximateBacklogCount;
  return count == null ? undefined : Number(count);
}

function decodeCursor(cursor: string): [number, string] {
  const i = cursor.indexOf(':');
  return [Number(cursor.slice(0, i)), cursor.slice(i + 1)];
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
