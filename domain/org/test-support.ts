/**
 * Set-up shared by the org's unit tests (`domain/org-node.test.ts` and the protocol tests
 * beside this file): a campaign, a four-level tree (tj → d1 → u1 → b1), a mobilised
 * `OrgNode` at a fixed clock, an item taken to closed, and a check that a call is refused
 * with a given kind and field. No server: these tests run in milliseconds.
 */
import { expect } from 'vitest';
import { Rules } from '../campaign.js';
import type { DomainEvent } from '../events.js';
import type { OutgoingSignal } from '../escalation.js';
import { OrgNode } from '../org-node.js';
import { Rejection } from '../rejection.js';
import type { CampaignRef, OrgNodeOptions, OrgRef } from './context.js';

/** 2019-10-01 12:00 in Beijing. */
export const NOW = Date.parse('2019-10-01T04:00:00Z');
export const DAY = 86_400_000;
export const by = 'secretary';

export const campaign = (over: Partial<CampaignRef> = {}): CampaignRef => ({
  id: 'c',
  batch: 2,
  phaseMode: 'integrated',
  rules: Rules.parse({ minStudyDays: 3 }),
  startsOn: '2019-09-01',
  endsOn: '2019-12-31',
  rootOrgId: 'tj',
  ...over,
});

/** The campaign's root and a line down from it to a branch. */
export const city: OrgRef = { id: 'tj', level: 'city', name: '天津市委', parentId: null, path: '/tj/' };
export const district: OrgRef = { id: 'd1', level: 'district', name: '和平区委', parentId: 'tj', path: '/tj/d1/' };
export const unit: OrgRef = { id: 'u1', level: 'unit', name: '区财政局', parentId: 'd1', path: '/tj/d1/u1/' };
export const org: OrgRef = { id: 'b1', level: 'branch', name: '第一党支部', parentId: 'u1', path: '/tj/d1/u1/b1/' };

/** An org started and mobilised at {@link NOW}. */
export function mobilised(over: Partial<CampaignRef> = {}, ref: OrgRef = org, options: OrgNodeOptions = {}): OrgNode {
  const node = new OrgNode(campaign(over), ref, undefined, options);
  node.start(NOW);
  node.mobilise({ date: '2019-09-05', attendance: 30, by }, NOW);
  return node;
}

/** A mobilised org with what the set-up emitted and queued cleared, so a test sees only what it does. */
export function quiet(over: Partial<CampaignRef> = {}, ref: OrgRef = org, options: OrgNodeOptions = {}): OrgNode {
  const node = mobilised(over, ref, options);
  taken(node);
  return node;
}

/** Takes a found (or already planned) problem through the whole lifecycle to closed. */
export function rectify(node: OrgNode, problemId: string, at = NOW): void {
  if (node.state.problems[problemId]?.status === 'found')
    node.planRectification({ problemId, owner: '李主任', measures: '精简会议文件', deadline: '2019-12-01', by }, at);
  node.startRectification({ problemId, by }, at);
  node.submitRectification({ problemId, evidence: '会议减少三成', by }, at);
  node.verifyRectification({ problemId, decision: 'verified', by: 'inspector:1', verifierRole: 'inspector', verifierOrgId: 'tj' }, at);
}

/** The call is refused with this kind (and field); returns the message. */
export function rejects(fn: () => unknown, kind: Rejection['kind'], field?: string): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Rejection);
    expect((err as Rejection).kind).toBe(kind);
    if (field) expect((err as Rejection).field).toBe(field);
    return (err as Rejection).message;
  }
  throw new Error('expected a rejection');
}

/** What the node decided since the last call: its events and its signals, both drained. */
export function taken(node: OrgNode): { events: DomainEvent[]; signals: OutgoingSignal[] } {
  return { events: node.outbox.splice(0), signals: node.state.outgoing.splice(0) };
}

/** The types of some events, in order. */
export const types = (events: DomainEvent[]): string[] => events.map((e) => e.type);
