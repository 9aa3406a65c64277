/**
 * The baseline's activity as its workflow sees it (bench/baseline/workflows.ts proxies it;
 * bench/baseline/activities.ts implements it): its own module so the workflow does not import
 * the activities' file, which imports the workflow's types.
 */
export interface StartBaselineChildrenInput {
  prefix: string;
  parentOrgId: string;
  parentWorkflowId: string;
  cursor: string | null;
}

export interface BaselineActivities {
  startBaselineChildren(input: StartBaselineChildrenInput): Promise<{ started: number; nextCursor: string | null }>;
}
