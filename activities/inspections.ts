import type { Component, ComponentState } from '../domain/vocabulary.js';
import type { Candidate, InspectedOrgState, RuleSettings } from '../domain/inspection.js';
import type { Level } from '../domain/levels.js';
import { subtreePattern } from '../domain/org-tree.js';
import type { ActivityDeps } from './deps.js';

/**
 * 暗访抽查: the orgs a round may sample, the campaign's orgs strictly below the scope org (the
 * group's own org is not its own sample), by id. The workflow's history keeps what it read.
 */
export function loadInspectionCandidates({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadInspectionCandidates(input: { campaignId: string; scopeOrgId: string }): Promise<Candidate[]> {
    const scope = await db.selectFrom('orgs').select('path').where('id', '=', input.scopeOrgId).executeTakeFirst();
    if (!scope) return [];
    const rows = await db
      .selectFrom('rm_org_progress')
      .select(['org_id', 'level'])
      .where('campaign_id', '=', input.campaignId)
      .where('path', 'like', subtreePattern(scope.path))
      .where('org_id', '!=', input.scopeOrgId)
      .orderBy('org_id')
      .execute();
    return rows.map((r) => ({ orgId: r.org_id, level: r.level as Level }));
  };
}

/** What the six rules read of each sampled org, from the read models: its recorded state, nothing asked of it. */
export function loadInspectedOrgStates({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadInspectedOrgStates(input: { campaignId: string; orgIds: string[] }): Promise<{ rules: RuleSettings; states: InspectedOrgState[] }> {
    const { campaignId, orgIds } = input;
    const campaign = await db.selectFrom('rm_campaigns').select('rules').where('id', '=', campaignId).executeTakeFirstOrThrow();
    const r = campaign.rules as Partial<RuleSettings>;
    const rules: RuleSettings = { minStudyDays: r.minStudyDays ?? 6, topicsMustBeVetted: r.topicsMustBeVetted ?? true };
    if (orgIds.length === 0) return { rules, states: [] };
    const [orgs, study, topics, problems, projects, meetings] = await Promise.all([
      db.selectFrom('rm_org_progress').select(['org_id', 'mobilised_on', 'components']).where('campaign_id', '=', campaignId).where('org_id', 'in', orgIds).execute(),
      db
        .selectFrom('rm_study_sessions')
        .select(['org_id', (eb) => eb.fn.count<string>('date').distinct().as('days')])
        .where('campaign_id', '=', campaignId)
        .where('org_id', 'in', orgIds)
        .where('kind', '=', 'concentrated')
        .where('counted', '=', true)
        .groupBy('org_id')
        .execute(),
      db.selectFrom('rm_research_topics').select(['org_id', 'topic_id', 'status', 'reports']).where('campaign_id', '=', campaignId).where('org_id', 'in', orgIds).orderBy('topic_id').execute(),
      db.selectFrom('rm_problems').select(['org_id', 'problem_id', 'source', 'description', 'project_ref']).where('campaign_id', '=', campaignId).where('org_id', 'in', orgIds).orderBy('problem_id').execute(),
      db.selectFrom('rm_projects').select(['org_id', 'project_ref', 'title']).where('campaign_id', '=', campaignId).where('org_id', 'in', orgIds).orderBy('project_ref').execute(),
      db.selectFrom('rm_democratic_life_meetings').select(['org_id', 'meeting_id', 'problems_found']).where('campaign_id', '=', campaignId).where('org_id', 'in', orgIds).orderBy('meeting_id').execute(),
    ]);
    const locked = { study: 'locked', research: 'locked', review: 'locked', rectification: 'locked' } as Record<Component, ComponentState>;
    const states = orgIds.map((orgId): InspectedOrgState => {
      const org = orgs.find((o) => o.org_id === orgId);
      return {
        orgId,
        mobilised: !!org?.mobilised_on,
        components: (org?.components as Record<Component, ComponentState> | undefined) ?? locked,
        concentratedStudyDays: Number(study.find((s) => s.org_id === orgId)?.days ?? 0),
        topics: topics.filter((t) => t.org_id === orgId).map((t) => ({ topicId: t.topic_id, status: t.status, reports: t.reports })),
        problems: problems.filter((p) => p.org_id === orgId).map((p) => ({ problemId: p.problem_id, source: p.source, description: p.description, projectRef: p.project_ref })),
        projects: projects.filter((p) => p.org_id === orgId).map((p) => ({ projectRef: p.project_ref, title: p.title })),
        meetings: meetings.filter((m) => m.org_id === orgId).map((m) => ({ meetingId: m.meeting_id, problemsFound: m.problems_found })),
      };
    });
    return { rules, states };
  };
}
