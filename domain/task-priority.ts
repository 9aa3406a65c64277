/**
 * Which workflows' tasks the Temporal server hands out first when the task queue has a backlog.
 *
 * Every workflow of a campaign shares one task queue, and the queue is first come, first served.
 * During a relay (a directive going down to 4,400 orgs, a storm of escalations) it holds hundreds
 * of tasks of the branches' workflows; a task of the root's workflow that joins the queue then
 * waits behind all of them. That is how the organiser's cancel at the city went unanswered for
 * minutes in the `commands` bench (BENCHMARKS.md, "The organiser's cancel"): the root's task
 * failed once (`UnhandledCommand`, a signal arrived while it ran), its retry lost the worker's
 * cache and queued behind 701 relay tasks.
 *
 * Temporal's priority keys (1 first … 5 last; 3 when none is given) order a backlog: the
 * campaign's own workflow and its city org go first, the districts next, units and branches keep
 * the default. Their activities and the tasks of every later run (continue-as-new) inherit the
 * key. The upper levels are a handful of workflows (17 of a district campaign's 4,417) whose
 * tasks are the organiser's commands, the relays' first hops and the targets of escalations, so
 * they cannot starve the branches for long. The server orders by key only with its newer task
 * matcher (`matching.useNewMatcher`, set by every launcher: config/temporal-server.ts).
 */
import type { Level } from './levels.js';

/** Temporal's `Priority` as far as this engine sets it (the start options take it as is). */
export interface TaskPriority {
  priorityKey: number;
}

/** The campaign's own workflow: the organiser's close and the root's reports. */
export const CAMPAIGN_PRIORITY: TaskPriority = { priorityKey: 1 };

const BY_LEVEL: Readonly<Record<Level, TaskPriority | undefined>> = {
  city: { priorityKey: 1 },
  district: { priorityKey: 2 },
  unit: undefined,
  branch: undefined,
};

/**
 * The priority an org's workflow starts with, or undefined for the server's default (3).
 *
 * @example
 * orgTaskPriority('city'); // { priorityKey: 1 }
 * orgTaskPriority('branch'); // undefined
 */
export function orgTaskPriority(level: Level): TaskPriority | undefined {
  return BY_LEVEL[level];
}
