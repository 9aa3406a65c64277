/**
 * 暗访抽查 (spot checks): what a round reads, the orgs it may sample and the recorded state of
 * those it sampled. The queries live with their models (db/models/: directory, org-progress,
 * study-sessions, research-topics, problems, projects, democratic-life, campaigns); the rules
 * in domain/inspection.ts; the round in workflows/inspection.ts.
 */
import { readCampaign } from '../db/models/campaigns.js';
import { meetingsOf } from '../db/models/democratic-life.js';
import { orgPath } from '../db/models/directory.js';
import { componentsOf, orgsBelow } from '../db/models/org-progress.js';
import { problemsOf } from '../db/models/problems.js';
import { projectsOf } from '../db/models/projects.js';
import { topicsOf } from '../db/models/research-topics.js';
import { concentratedStudyDays } from '../db/models/study-sessions.js';
import type { Component, ComponentState } from '../domain/vocabulary.js';
import type { Candidate, InspectedOrgState, RuleSettings } from '../domain/inspection.js';
import type { Level } from '../domain/levels.js';
import type { ActivityDeps } from './deps.js';

/**
 * 暗访抽查: the orgs a round may sample, the campaign's orgs strictly below the scope org (the
 * group's own org is not its own sample), by id. The workflow's history keeps what it read.
 */
export function loadInspectionCandidates({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadInspectionCandidates(input: { campaignId: string; scopeOrgId: string }): Promise<Candidate[]> {
    const scopePath = await orgPath(db, input.scopeOrgId);
    if (scopePath === undefined) return [];
    const rows = await orgsBelow(db, input.campaignId, scopePath, input.scopeOrgId);
    return rows.map((r) => ({ orgId: r.org_id, level: r.level as Level }));
  };
}

/** What the six rules read of each sampled org, from the read models: its recorded state, nothing asked of it. */
export function loadInspectedOrgStates({ db }: Pick<ActivityDeps, 'db'>) {
  return async function loadInspectedOrgStates(input: { campaignId: string; orgIds: string[] }): Promise<{ rules: RuleSettings; states: InspectedOrgState[] }> {
    const { campaignId, orgIds } = input;
    const campaign = await readCampaign(db, campaignId);
    if (!campaign) throw new Error(`campaign ${campaignId} is not recorded`);
    const r = campaign.rules as Partial<RuleSettings>;
    const rules: RuleSettings = { minStudyDays: r.minStudyDays ?? 6, topicsMustBeVetted: r.topicsMustBeVetted ?? true };
    if (orgIds.length === 0) return { rules, states: [] };
    const [orgs, study, topics, problems, projects, meetings] = await Promise.all([
      componentsOf(db, campaignId, orgIds),
      concentratedStudyDays(db, campaignId, orgIds),
      topicsOf(db, campaignId, orgIds),
      problemsOf(db, campaignId, orgIds),
      projectsOf(db, campaignId, orgIds),
      meetingsOf(db, campaignId, orgIds),
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
        problems: problems
          .filter((p) => p.org_id === orgId)
          .map((p) => ({ problemId: p.problem_id, source: p.source, description: p.description, projectRef: p.project_ref })),
        projects: projects.filter((p) => p.org_id === orgId).map((p) => ({ projectRef: p.project_ref, title: p.title })),
        meetings: meetings.filter((m) => m.org_id === orgId).map((m) => ({ meetingId: m.meeting_id, problemsFound: m.problems_found })),
      };
    });
    return { rules, states };
  };
}
