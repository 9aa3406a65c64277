/**
 * What B2's escalation storm (bench/scenarios/escalations.ts) and its minimal baseline
 * (bench/baseline/storm.ts) share, so that the two fire the same escalations the same way and
 * measure them alike:
 *   - the picks: K branches drawn at random (seeded), even-numbered ones escalating to their
 *     district, odd-numbered ones to the city;
 *   - the firing: every branch at once, a branch's own escalations one after the other (a
 *     secretary presses one button at a time, and Temporal refuses more than a few updates in
 *     flight on one workflow);
 *   - the latency join: a time seen for an escalation id, less the time its escalate call returned;
 *   - for the baseline, when a workflow handled a signal, read from its history.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { prng, type FlatOrg } from '../domain/generate-tree.js';
import { eventTimeMs, eventType } from './histories.js';
import { pool, summarise, type Summary } from './stats.js';

export interface StormPick {
  /** The escalation's number, 0 … K-1: its problem is `storm-<i>`. */
  i: number;
  branch: FlatOrg;
  /** The branch's district (even i) or the city (odd i). */
  target: FlatOrg;
}

/** The ancestor of `org` at `level` in the tree. */
export function ancestorAt(byId: Map<string, FlatOrg>, org: FlatOrg, level: FlatOrg['level']): FlatOrg {
  let at: FlatOrg | undefined = org;
  while (at && at.level !== level) at = at.parentId ? byId.get(at.parentId) : undefined;
  if (!at) throw new Error(`${org.id} has no ancestor at level ${level}`);
  return at;
}

/** K escalations from branches drawn with `seed`; the same seed and tree give the same picks. */
export function stormPicks(orgs: readonly FlatOrg[], seed: number, k: number): StormPick[] {
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const branches = orgs.filter((o) => o.level === 'branch');
  const root = orgs.find((o) => o.parentId === null)!;
  const rnd = prng(seed);
  return Array.from({ length: k }, (_, i) => {
    const branch = branches[Math.floor(rnd() * branches.length)]!;
    return { i, branch, target: i % 2 === 0 ? ancestorAt(byId, branch, 'district') : root };
  });
}

/** The picks by branch, each branch's in the order of their numbers. */
export function picksByBranch(picks: readonly StormPick[]): Map<string, StormPick[]> {
  const byBranch = new Map<string, StormPick[]>();
  for (const p of picks) byBranch.set(p.branch.id, [...(byBranch.get(p.branch.id) ?? []), p]);
  return byBranch;
}

/** Fires every branch's escalations at once, a branch's own one after the other; `fire` must not throw. */
export async function fireByBranch(byBranch: Map<string, StormPick[]>, fire: (pick: StormPick) => Promise<void>): Promise<void> {
  await pool([...byBranch.values()], byBranch.size, async (mine) => {
    for (const pick of mine) await fire(pick);
  });
}

/** An escalate call that returned: when (ms since the epoch), how long it took, and to which level it went. */
export interface Returned {
  at: number;
  callMs: number;
  target: 'district' | 'city';
}

export function targetKind(target: FlatOrg): Returned['target'] {
  return target.level === 'city' ? 'city' : 'district';
}

/** Per escalation seen (id, ms since the epoch) whose call returned: when it returned (`t`) and how long after that it was seen (`v`). */
export function latenciesAfterReturn(
  returnedAt: ReadonlyMap<string, Returned>,
  seen: Iterable<readonly [string, number]>,
): Array<{ t: number; v: number; target: Returned['target'] }> {
  const out: Array<{ t: number; v: number; target: Returned['target'] }> = [];
  for (const [id, at] of seen) {
    const sent = returnedAt.get(id);
    if (sent) out.push({ t: sent.at, v: at - sent.at, target: sent.target });
  }
  return out;
}

type HistoryEvent = Record<string, unknown>;

/**
 * When a workflow handled each signal named `signalName`: the signal's `WorkflowExecutionSignaled`
 * event, keyed by `idOf` of its first argument, paired with the time of the first
 * `WorkflowTaskCompleted` after it (the task that ran its handler: the server writes a signal
 * that arrives while a task runs after that task's completion, so the next task handles it). A signal not yet handled is left out.
 */
export function signalsHandledAt(events: readonly HistoryEvent[], signalName: string, idOf: (arg: unknown) => string): Map<string, number> {
  const handled = new Map<string, number>();
  let waiting: string[] = [];
  for (const event of events) {
    const type = eventType(event);
    if (type === 'WorkflowExecutionSignaled') {
      const attrs = event.workflowExecutionSignaledEventAttributes as { signalName?: string | null; input?: { payloads?: Payload[] | null } | null };
      const payload = attrs.input?.payloads?.[0];
      if (attrs.signalName === signalName && payload) waiting.push(idOf(defaultPayloadConverter.fromPayload(payload)));
    } else if (type === 'WorkflowTaskCompleted' && waiting.length) {
      const at = eventTimeMs(event);
      for (const id of waiting) handled.set(id, at);
      waiting = [];
    }
  }
  return handled;
}

/** The acknowledgement latencies as both storms report them: all of them, and by the level they went to. */
export function ackSummaries(lat: ReadonlyArray<{ v: number; target: Returned['target'] }>): {
  ackLatencyMs: Summary;
  ackLatencyMsByTarget: { district: Summary; city: Summary };
} {
  const of = (target?: Returned['target']) => summarise(lat.filter((l) => !target || l.target === target).map((l) => l.v));
  return { ackLatencyMs: of(), ackLatencyMsByTarget: { district: of('district'), city: of('city') } };
}
