/**
 * The campaign's words that events and the modules below them share: the four components,
 * an org's status, study kinds, problem sources and an escalation's status. It imports
 * nothing, so the modules that events are built from (`domain/inspection.ts`,
 * `domain/ledger.ts`, `domain/escalation.ts`) use these words without importing
 * `domain/events.ts`, which imports them.
 */

export type Component = 'study' | 'research' | 'review' | 'rectification';
export const COMPONENTS: readonly Component[] = ['study', 'research', 'review', 'rectification'];
export type ComponentState = 'locked' | 'open' | 'done';

/** Where an org stands: waiting for its meeting, working, done, past the end with open items, or finished. */
export type OrgStatus = 'waiting_mobilisation' | 'active' | 'complete' | 'continuing' | 'completed' | 'closed_incomplete';

export const STUDY_KINDS = ['concentrated', 'self_study', 'lecture'] as const;
export type StudyKind = (typeof STUDY_KINDS)[number];

export const PROBLEM_SOURCES = [
  'self_inspection',
  'research',
  'democratic_life',
  'spot_check',
  'public_message',
  'escalation',
  'directive',
  'joint_answer',
] as const;
export type ProblemSource = (typeof PROBLEM_SOURCES)[number];

/** Where an escalation stands, as its origin sees it (下题上答). */
export type EscalationStatus = 'sent' | 'acknowledged' | 'forwarded' | 'claimed' | 'answered' | 'undeliverable';
