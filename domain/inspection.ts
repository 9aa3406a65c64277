/**
 * 巡回指导组 / 暗访抽查 / 通报: a guidance group samples orgs of its scope at random, checks
 * each against the six preventions (六个防止), records interviews and findings, and ends the
 * round with a circulated notice naming the orgs and their findings. One workflow per round,
 * `campaign/<cid>/inspection/<roundId>`, decides; the sampling and the six rules below are
 * plain functions it calls (no clock, no Math.random: the round's seed decides the sample).
 */
import type { Component, ComponentState } from './vocabulary.js';
import { prng } from './generate-tree.js';
import type { Level } from './levels.js';

// ---- a seeded pseudo-random generator -------------------------------------------------

/** A 32-bit hash of a string (FNV-1a then a murmur finaliser): the PRNG's state from a seed. */
export function hashSeed(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * mulberry32: a small, fast generator, good enough to sample orgs (not for secrets).
 *
 * @example
 * const next = seededRandom('round-1'); next(); // the same sequence for the same seed, in [0, 1)
 */
export function seededRandom(seed: string): () => number {
  return prng(hashSeed(seed));
}

// ---- sampling -----------------------------------------------------------------------

/** An org a round may sample. */
export interface Candidate {
  orgId: string;
  level: Level;
}

/** `n` of the ids, uniformly without replacement (a partial Fisher–Yates), sorted; the ids' order given does not matter. */
function pick(ids: readonly string[], n: number, next: () => number): string[] {
  const pool = [...ids].sort();
  const k = Math.min(n, pool.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k).sort();
}

/**
 * Shares of `n` per stratum, proportional to the strata's sizes (largest remainder; ties to
 * the first stratum in `LEVELS` order), never more than a stratum holds.
 */
export function allocate(sizes: ReadonlyArray<readonly [string, number]>, n: number): Record<string, number> {
  const total = sizes.reduce((s, [, c]) => s + c, 0);
  const want = Math.min(n, total);
  const out: Record<string, number> = {};
  if (total === 0) return out;
  const rest: { key: string; frac: number }[] = [];
  let given = 0;
  for (const [key, count] of sizes) {
    const exact = (want * count) / total;
    out[key] = Math.floor(exact);
    given += out[key];
    rest.push({ key, frac: exact - Math.floor(exact) });
  }
  rest.sort((a, b) => b.frac - a.frac);
  for (let i = 0; given < want; i = (i + 1) % rest.length) {
    const key = rest[i]!.key;
    if (out[key]! < sizes.find(([k]) => k === key)![1]) {
      out[key]! += 1;
      given += 1;
    }
  }
  return out;
}

/**
 * The round's sample: `n` candidates chosen at random, reproducibly from `seed`; stratified,
 * each level gets a share proportional to its size and is sampled on its own stream
 * (`<seed>/<level>`). Sorted by org id.
 *
 * @example
 * sampleOrgs(candidates, 3, 'round-1') // the same three ids every time
 */
export function sampleOrgs(candidates: readonly Candidate[], n: number, seed: string, stratifyByLevel = false): string[] {
  if (!stratifyByLevel)
    return pick(
      candidates.map((c) => c.orgId),
      n,
      seededRandom(seed),
    );
  const levels: Level[] = ['city', 'district', 'unit', 'branch'];
  const strata = levels.map((l) => [l, candidates.filter((c) => c.level === l).map((c) => c.orgId)] as const).filter(([, ids]) => ids.length > 0);
  const shares = allocate(
    strata.map(([l, ids]) => [l, ids.length] as const),
    n,
  );
  return strata.flatMap(([l, ids]) => pick(ids, shares[l] ?? 0, seededRandom(`${seed}/${l}`))).sort();
}

// ---- the six preventions (六个防止) ------------------------------------------------------

export const PREVENTIONS = [
  'required_actions_incomplete',
  'study_superficial',
  'research_superficial',
  'problems_inaccurate',
  'special_rectification_empty',
  'democratic_life_perfunctory',
] as const;
export type Prevention = (typeof PREVENTIONS)[number];

/** 六个防止, in the seeds' words: what each rule guards against. */
export const PREVENTION_NAMES: Record<Prevention, string> = {
  required_actions_incomplete: '防止规定动作不到位',
  study_superficial: '防止学习教育走过场',
  research_superficial: '防止调查研究走形式',
  problems_inaccurate: '防止检视问题不精准',
  special_rectification_empty: '防止专项整治流于空泛',
  democratic_life_perfunctory: '防止民主生活会流于形式',
};

/** What the rules read of one org: its recorded state in the read models, nothing asked of the org. */
export interface InspectedOrgState {
  orgId: string;
  mobilised: boolean;
  components: Record<Component, ComponentState>;
  /** Distinct days of counted concentrated study. */
  concentratedStudyDays: number;
  topics: { topicId: string; status: 'proposed' | 'approved' | 'returned'; reports: number }[];
  /** The org's own problem list (items handed to it by others are not its self-inspection). */
  problems: { problemId: string; source: string; description: string; projectRef: string | null }[];
  projects: { projectRef: string; title: string }[];
  meetings: { meetingId: string; problemsFound: number }[];
}

/** One rule that fired, with what it saw. */
export interface RuleHit {
  prevention: Prevention;
  detail: string;
}

export interface RuleSettings {
  minStudyDays: number;
  topicsMustBeVetted: boolean;
}

/** Sources of items an org finds itself; the rest (escalations, directives, spot checks…) come from elsewhere. */
const OWN_SOURCES = new Set(['self_inspection', 'research', 'democratic_life']);

/** Stock phrases that name no concrete problem (套话) when they make up most of an item. */
const STOCK_PHRASES = ['有待加强', '有待提高', '不够到位', '还有差距', '存在不足', '不够深入', '需要改进', '不够扎实', '有所欠缺', '仍需努力'];

/** A problem description is vague when it is too short to say what is wrong, or a stock phrase with little around it. */
export function isVague(description: string): boolean {
  const text = description.replace(/[\s\p{P}]/gu, '');
  if (text.length < 8) return true;
  return text.length < 20 && STOCK_PHRASES.some((p) => text.includes(p));
}

/** 规定动作: mobilisation, then at least one recorded action in study, research and review. */
export function requiredActionsRule(s: InspectedOrgState): RuleHit | null {
  if (!s.mobilised) return { prevention: 'required_actions_incomplete', detail: 'mobilisation meeting not held' };
  const missing: string[] = [];
  if (s.concentratedStudyDays === 0) missing.push('no concentrated study day recorded');
  if (s.topics.length === 0) missing.push('no research topic');
  if (s.problems.length === 0 && s.meetings.length === 0) missing.push('no review (no problem, no democratic life meeting)');
  return missing.length ? { prevention: 'required_actions_incomplete', detail: missing.join('; ') } : null;
}

export function studyRule(s: InspectedOrgState, rules: RuleSettings): RuleHit | null {
  if (s.concentratedStudyDays >= rules.minStudyDays) return null;
  return { prevention: 'study_superficial', detail: `concentrated study ${s.concentratedStudyDays} of ${rules.minStudyDays} days` };
}

export function researchRule(s: InspectedOrgState, rules: RuleSettings): RuleHit | null {
  if (s.topics.length === 0) return { prevention: 'research_superficial', detail: 'no research topic' };
  const counted = rules.topicsMustBeVetted ? s.topics.filter((t) => t.status === 'approved') : s.topics.filter((t) => t.status !== 'returned');
  if (counted.length === 0) return { prevention: 'research_superficial', detail: `${s.topics.length} topic(s), none vetted and approved` };
  const unreported = counted.filter((t) => t.reports === 0).map((t) => t.topicId);
  if (unreported.length) return { prevention: 'research_superficial', detail: `topic(s) without a report: ${unreported.join(', ')}` };
  return null;
}

export function problemsRule(s: InspectedOrgState): RuleHit | null {
  const own = s.problems.filter((p) => OWN_SOURCES.has(p.source));
  if (own.length === 0) return { prevention: 'problems_inaccurate', detail: 'the problem list is empty' };
  const vague = own.filter((p) => isVague(p.description)).map((p) => p.problemId);
  if (vague.length) return { prevention: 'problems_inaccurate', detail: `vague problem(s): ${vague.join(', ')}` };
  return null;
}

export function specialRectificationRule(s: InspectedOrgState): RuleHit | null {
  const empty = s.projects.filter((p) => !s.problems.some((i) => i.projectRef === p.projectRef)).map((p) => p.projectRef);
  return empty.length ? { prevention: 'special_rectification_empty', detail: `special project(s) without items: ${empty.join(', ')}` } : null;
}

export function democraticLifeRule(s: InspectedOrgState): RuleHit | null {
  if (s.meetings.length === 0) return { prevention: 'democratic_life_perfunctory', detail: 'no democratic life meeting held' };
  const empty = s.meetings.filter((m) => m.problemsFound === 0).map((m) => m.meetingId);
  return empty.length ? { prevention: 'democratic_life_perfunctory', detail: `meeting(s) that found no problem: ${empty.join(', ')}` } : null;
}

/** Every rule over one org's state; the hits in PREVENTIONS order. */
export function checkSixPreventions(s: InspectedOrgState, rules: RuleSettings): RuleHit[] {
  return [requiredActionsRule(s), studyRule(s, rules), researchRule(s, rules), problemsRule(s), specialRectificationRule(s), democraticLifeRule(s)].filter(
    (h): h is RuleHit => h !== null,
  );
}

// ---- the round ----------------------------------------------------------------------

/** What a round's workflow is started with. */
export interface InspectionRoundSpec {
  roundId: string;
  groupId: string;
  /** The subtree sampled: the group's scope or an org within it. */
  scopeOrgId: string;
  sampleSize: number;
  seed: string;
  stratifyByLevel: boolean;
  /** The group's inspectors, named in findings and the notice. */
  inspectors: string[];
  startedBy: string;
}

/** One finding: a rule hit, or one an inspector adds by hand. */
export interface Finding {
  findingId: string;
  orgId: string;
  prevention: Prevention;
  detail: string;
  /** Who found it: a guidance group member's actor, or `rule` for a finding the checks made. */
  by: string;
}

/** Sent to an inspected org: a finding, to become an item (source `spot_check`) in its ledger. */
export interface SpotCheckFinding {
  roundId: string;
  groupId: string;
  finding: Finding;
}

/** Kept for older importers; the ids live in `domain/workflow-ids.ts`. */
export { inspectionWorkflowId } from './workflow-ids.js';

/** The item a finding becomes in the inspected org's ledger. */
export function spotCheckItemId(roundId: string, findingId: string): string {
  return `spot-${roundId}-${findingId}`;
}

/** Findings from rule hits, numbered `r1`, `r2`… in sample then PREVENTIONS order. */
export function ruleFindings(hits: Record<string, RuleHit[]>): Finding[] {
  let n = 0;
  return Object.keys(hits)
    .sort()
    .flatMap((orgId) => hits[orgId]!.map((h) => ({ findingId: `r${++n}`, orgId, prevention: h.prevention, detail: h.detail, by: 'rule' })));
}

/** The circulated notice (通报): plain text naming each org and its findings. */
export function noticeText(title: string, findings: readonly Finding[], sample: readonly string[], interviews: number): string {
  const lines = [title, `抽查 ${sample.length} 个单位，个别访谈 ${interviews} 人。`];
  for (const orgId of sample) {
    const own = findings.filter((f) => f.orgId === orgId);
    lines.push(own.length ? `${orgId}：${own.map((f) => `${PREVENTION_NAMES[f.prevention]}（${f.detail}）`).join('；')}` : `${orgId}：未发现问题`);
  }
  return lines.join('\n');
}
