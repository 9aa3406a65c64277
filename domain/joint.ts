/**
 * 同题共答: one problem several levels diagnose and answer together. A joint-answer
 * workflow (`campaign/<cid>/joint/<jointId>`) hands each participant its part, an item
 * in that participant's own ledger, and closes only when every part is verified.
 */
export interface JointSpec {
  jointId: string;
  title: string;
  description: string;
  openerOrgId: string;
  participantOrgIds: string[];
}

/** Sent to each participant: its part of the joint problem. */
export interface JointPartAssignment {
  jointId: string;
  jointWorkflowId: string;
  title: string;
  description: string;
  openerOrgId: string;
}

/** Sent back by a participant whenever its part moves. */
export interface JointPartStatus {
  jointId: string;
  orgId: string;
  status: string;
}

export type JointPartState = 'assigned' | 'undeliverable' | 'found' | 'planned' | 'in_progress' | 'rectified' | 'closed' | 'cancelled';

/** Kept for older importers; the ids live in `domain/workflow-ids.ts`. */
export { jointWorkflowId } from './workflow-ids.js';

export function jointItemId(jointId: string): string {
  return `joint-${jointId}`;
}

/** The joint problem is answered when every part is closed (verified). */
export function allPartsClosed(parts: Record<string, JointPartState>): boolean {
  const states = Object.values(parts);
  return states.length > 0 && states.every((s) => s === 'closed');
}
