/**
 * The baseline of B1: the least a cascade over the same tree can do on Temporal, so the
 * engine's figure can be read as a ratio of what the server and this machine allow.
 *
 * One workflow per org, started the way the engine starts its orgs (an activity that
 * pages the children out of the `orgs` table, 500 at a time, and starts each as an
 * independent workflow by id — not as child workflows, which would put pending-child
 * bookkeeping into the parent's history that the engine does not pay either). Each org
 * then waits for one signal from each child carrying the size of that child's subtree,
 * and signals its own parent once with its subtree's size. Nothing else: no events, no
 * read models, no queries, no search attributes, no timers. The root's result is the
 * number of orgs counted, so "every org started and its parent counted it" is exactly
 * "the root returned the tree's size" — the condition the engine's figure measures with
 * `subtree.mobilised === orgs`.
 */
import { condition, defineSignal, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BaselineActivities } from './contract.js';

export const subtreeCountedSignal = defineSignal<[number]>('subtreeCounted');

export interface BaselineInput {
  /** The org this workflow stands for. */
  orgId: string;
  /** Prefix of every workflow id of this run: `<prefix>/<orgId>`. */
  prefix: string;
  /** Whom to tell when the subtree is counted; null at the root. */
  parentWorkflowId: string | null;
}

const { startBaselineChildren } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
});

export async function baselineOrgWorkflow(input: BaselineInput): Promise<number> {
  let reported = 0;
  let counted = 1;
  setHandler(subtreeCountedSignal, (n) => {
    reported += 1;
    counted += n;
  });
  let children = 0;
  let cursor: string | null = null;
  do {
    const page: { started: number; nextCursor: string | null } = await startBaselineChildren({
      prefix: input.prefix,
      parentOrgId: input.orgId,
      parentWorkflowId: workflowInfo().workflowId,
      cursor,
    });
    children += page.started;
    cursor = page.nextCursor;
  } while (cursor);
  await condition(() => reported === children);
  if (input.parentWorkflowId) await getExternalWorkflowHandle(input.parentWorkflowId).signal(subtreeCountedSignal, counted);
  return counted;
}
