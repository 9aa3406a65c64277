/**
 * The baseline's one activity: start a page of an org's children. It reads the same
 * `orgs` table with the same keyset paging (position, id), 500 per page and 32 starts in
 * flight, as the engine's `startChildOrgs`, so the difference between the two cascades
 * is what the engine does per org, not how it finds or starts orgs.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { BaselineActivities } from './contract.js';
import type { BaselineInput, baselineOrgWorkflow } from './workflows.js';

export type { BaselineActivities, StartBaselineChildrenInput } from './contract.js';

const PAGE = 500;
const CONCURRENCY = 32;

/** Counts workflows this process has started, for the live display (the baseline writes nothing anywhere else). */
export const baselineCounters = { started: 0 };

export function createBaselineActivities(db: Kysely<Database>, client: Client, taskQueue: string): BaselineActivities {
  return {
    async startBaselineChildren(input) {
      let q = db.selectFrom('orgs').select(['id', 'position']).where('parent_id', '=', input.parentOrgId);
      if (input.cursor) {
        const i = input.cursor.indexOf(':');
        const pos = Number(input.cursor.slice(0, i));
        const id = input.cursor.slice(i + 1);
        q = q.where((eb) => eb.or([eb('position', '>', pos), eb.and([eb('position', '=', pos), eb('id', '>', id)])]));
      }
      const rows = await q
        .orderBy('position')
        .orderBy('id')
        .limit(PAGE + 1)
        .execute();
      const page = rows.slice(0, PAGE);
      for (let i = 0; i < page.length; i += CONCURRENCY) {
        await Promise.all(
          page.slice(i, i + CONCURRENCY).map(async (org) => {
            const args: BaselineInput = { orgId: org.id, prefix: input.prefix, parentWorkflowId: input.parentWorkflowId };
            try {
              await client.workflow.start<typeof baselineOrgWorkflow>('baselineOrgWorkflow', {
                workflowId: `${input.prefix}/${org.id}`,
                taskQueue,
                args: [args],
                workflowIdConflictPolicy: 'USE_EXISTING',
                // A retried page must not start again an org that already finished.
                workflowIdReusePolicy: 'REJECT_DUPLICATE',
              });
              baselineCounters.started += 1;
            } catch (err) {
              if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            }
          }),
        );
        Context.current().heartbeat(i);
      }
      const last = page[page.length - 1];
      return { started: page.length, nextCursor: rows.length > PAGE && last ? `${last.position}:${last.id}` : null };
    },
  };
}
