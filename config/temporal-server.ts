/**
 * The Temporal server settings every launcher of this project runs with, in one place: the
 * dev server (`scripts/temporal-server.ts`, hence `npm start`, the test run and the bench),
 * the PostgreSQL-backed bench server (`bench/temporal-postgres.ts`) and docker-compose
 * (`config/temporal-dynamicconfig.yaml`, which `npm run check-compose` holds equal to
 * {@link dynamicConfigYaml}).
 *
 * The one that matters is the per-workflow limit on updates in flight. Escalations reach
 * their target as updates (`activities/deliver-signals.ts`), and each worker process keeps
 * at most {@link UPDATES_PER_TARGET} in flight to one target; the limit is kept per process,
 * not across processes, so the server must admit what all processes send at once, plus the
 * commands secretaries send to the same workflow through the API. Going past the server's
 * limit is not a polite refusal: it came with aborted updates, lost speculative workflow
 * tasks and replays, over and over (README, 下题上答). Why raise the limit rather than share
 * one across processes: a shared limit needs shared state (a PostgreSQL advisory lock or a
 * counter row) taken and released around every delivery, on the hot path of a storm, and a
 * process killed while holding places would leak them until some lease ran out. The server
 * already counts updates per workflow; it only needs to count high enough.
 */

/**
 * Updates one worker process keeps in flight to one target workflow (`activities/deliver-signals.ts`;
 * messages that find the places taken wait together and leave as one update, `update-coalescer.ts`).
 * Going past the server's limit is not cheap. Measured on the dev server at its default of 10
 * (test/cross-level/escalation-storm.test.ts, 64 senders into one district): the refusals ("limit on
 * number of concurrent in-flight updates has been reached") came with updates aborted by the server
 * ("workflow update was aborted", its registry cleared), speculative workflow tasks lost ("Task not
 * found when completing") and the run evicted and replayed, over and over; 10,000 escalations took 6
 * to 30+ minutes. With at most 8 in flight: 100 s, and no task lost. The limit holds per process, not
 * across processes: {@link MAX_IN_FLIGHT_UPDATES} leaves room for several processes instead.
 */
export const UPDATES_PER_TARGET = 4;

/** Worker processes the server's limit leaves room for. Tested at 4 (test/scale/worker-processes.test.ts). */
export const WORKER_PROCESSES_SIZED_FOR = 8;

/**
 * Room for updates that are not deliveries: secretaries' commands through the API (record a
 * problem, escalate, claim, issue a directive…) on the same org workflow while a storm arrives.
 * An org has a handful of secretaries, and each waits for its answer before the next command.
 */
export const ROOM_FOR_COMMANDS = 8;

/**
 * `history.maxInFlightUpdates`: 8 processes × 4 + 8 = 40 (the server's default is 10, which
 * two processes × 4 plus two commands fill). Its sibling `history.maxTotalUpdates` (2,000
 * updates per run) needs no change: it counts a run's updates, not concurrent ones, so more
 * processes do not reach it sooner, and the org workflows continue as new before it
 * (`continueAsNewSuggested` at 90%, and at 3,000 history events, of which each accepted update
 * takes at least two, in workflows/shared.ts).
 *
 * Measured with four processes (test/scale/worker-processes.test.ts, 660 escalations to the city at
 * once, the server's metrics read after): at 10, 14 updates refused with `ConcurrentLimit`, which the
 * client's gRPC retry sent again, everything delivered once; at 40, one refused. A process can hold
 * more than its 4 at a slow target: a delivery gives an update up after 10 s and sends it again, and
 * the server keeps the abandoned one in flight until the workflow answers it.
 */
export const MAX_IN_FLIGHT_UPDATES = WORKER_PROCESSES_SIZED_FOR * UPDATES_PER_TARGET + ROOM_FOR_COMMANDS;

/** What every server launched for this project runs with, as `--dynamic-config-value` keys and values. */
export const SERVER_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  'history.maxInFlightUpdates': MAX_IN_FLIGHT_UPDATES,
  // The task matcher that orders a backlog by priority key (1.29's default matcher ignores the
  // keys): the campaign and its city and districts ahead of the branches (domain/task-priority.ts).
  'matching.useNewMatcher': true,
};

/**
 * Added where one worker process serves a task queue (the test run, the bench): one
 * partition, so that worker sees every task at once instead of waiting for forwarding
 * between partitions (the dev server defaults to 4). Production keeps the default.
 */
export const SINGLE_PARTITION_CONFIG: Readonly<Record<string, unknown>> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/**
 * The settings as a server's dynamic-config file (`dynamicConfigClient.filepath`): each key
 * with one unconstrained value.
 *
 * @example
 * dynamicConfigYaml({ 'history.maxInFlightUpdates': 40 }); // 'history.maxInFlightUpdates:\n  - value: 40\n'
 */
export function dynamicConfigYaml(settings: Readonly<Record<string, unknown>>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}:\n  - value: ${JSON.stringify(value)}\n`)
    .join('');
}
