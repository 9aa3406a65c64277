/**
 * The command line of `npm run bench`. Every figure in BENCHMARKS.md names the exact
 * flags it was taken with, so the flags are the whole interface: nothing is read from
 * the environment except what the servers themselves need.
 */
import { parseArgs } from 'node:util';
import type { TreeShape } from '../domain/generate-tree.js';
import { DEFAULT_TUNING } from '../worker/create-worker.js';

export const SCENARIOS = ['cascade', 'escalations', 'directive', 'reads', 'rebuild', 'console', 'commands'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const SHAPES = ['small', 'district', 'tianjin'] as const;

export interface BenchArgs {
  shape: TreeShape;
  scenario: Scenario;
  /** A running Temporal frontend; otherwise the harness starts its own server. */
  temporalAddress: string | undefined;
  /** Which server the harness starts when no address is given: the CLI's dev server, or Temporal v1.29.1 on PostgreSQL. */
  temporalServer: 'dev' | 'postgres';
  /** History shards of the PostgreSQL-backed server (ignored for the dev server, which has one). */
  historyShards: number;
  /** A running PostgreSQL; otherwise the harness starts its own cluster. A fresh database is created on it either way. */
  databaseUrl: string | undefined;
  /** B1 only: skip the minimal baseline cascade (its ratio is then absent). */
  baseline: boolean;
  /** B2: after the engine's storm, the same escalations through minimal workflows (bench/baseline/storm.ts); on unless --no-storm-baseline. */
  stormBaseline: boolean;
  /** B2/B4: escalations fired at once. */
  escalations: number;
  /** B3: branch commands in flight at once while completing directive items. */
  inFlight: number;
  /** B4: concurrent HTTP readers. */
  readers: number;
  /** B6: how many times each page is opened cold (and as many warm). */
  visits: number;
  /** B7: secretaries sending commands through the API (closed loop), each at a branch of their own. */
  secretaries: number;
  /** B7: how long the secretaries keep sending. */
  durationSeconds: number;
  /** B7: how many times, after the secretaries, the organiser at the root issues a directive and cancels it. */
  directives: number;
  /** rules.progressReportSeconds of the campaign (1, the least, unless told). */
  reportSeconds: number;
  /** Give up on a phase after this long. */
  timeoutSeconds: number;
  /** Engine worker processes (each `worker/main.ts`). */
  workerProcesses: number;
  /** WORKER_MAX_CACHED_WORKFLOWS of each worker process. */
  cachedWorkflows: number;
  /** Write a V8 CPU profile of each worker process here (`node --cpu-prof`), summarised in the result. */
  profileWorkers: string | undefined;
  /** Where the JSON result and the HTML plot go. */
  out: string;
  seed: number;
}

const USAGE = `usage: npm run bench -- --shape <small|district|tianjin> --scenario <cascade|escalations|directive|reads|rebuild|console|commands>
  [--temporal-address host:port] [--temporal-server dev|postgres] [--history-shards N]
  [--database-url postgres://…] [--no-baseline] [--no-storm-baseline] [--escalations K] [--in-flight N]
  [--readers N] [--visits N] [--secretaries N] [--duration S] [--directives K] [--report-seconds S] [--timeout-seconds S] [--out DIR] [--seed N]
  [--worker-processes N] [--cached-workflows N] [--profile-workers DIR]`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      shape: { type: 'string', default: 'small' },
      scenario: { type: 'string', default: 'cascade' },
      'temporal-address': { type: 'string' },
      'temporal-server': { type: 'string', default: 'dev' },
      'history-shards': { type: 'string', default: '16' },
      'database-url': { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      'no-storm-baseline': { type: 'boolean', default: false },
      escalations: { type: 'string', default: '1000' },
      'in-flight': { type: 'string', default: '64' },
      readers: { type: 'string', default: '8' },
      visits: { type: 'string', default: '5' },
      secretaries: { type: 'string', default: '20' },
      duration: { type: 'string', default: '60' },
      directives: { type: 'string', default: '1' },
      'report-seconds': { type: 'string', default: '1' },
      'timeout-seconds': { type: 'string', default: '3600' },
      out: { type: 'string', default: 'bench/results' },
      seed: { type: 'string', default: '2019' },
      'worker-processes': { type: 'string', default: '1' },
      'cached-workflows': { type: 'string', default: String(DEFAULT_TUNING.maxCachedWorkflows) },
      'profile-workers': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const oneOf = <T extends string>(name: string, value: string, allowed: readonly T[]): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, not ${value}\n${USAGE}`);
    return value as T;
  };
  const int = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not ${value}`);
    return n;
  };
  return {
    shape: oneOf('shape', values.shape, SHAPES),
    scenario: oneOf('scenario', values.scenario, SCENARIOS),
    temporalAddress: values['temporal-address'],
    temporalServer: oneOf('temporal-server', values['temporal-server'], ['dev', 'postgres'] as const),
    historyShards: int('history-shards', values['history-shards'], 1),
    databaseUrl: values['database-url'],
    baseline: !values['no-baseline'],
    stormBaseline: !values['no-storm-baseline'],
    escalations: int('escalations', values.escalations, 1),
    inFlight: int('in-flight', values['in-flight'], 1),
    readers: int('readers', values.readers, 1),
    visits: int('visits', values.visits, 1),
    secretaries: int('secretaries', values.secretaries, 1),
    durationSeconds: int('duration', values.duration, 1),
    directives: int('directives', values.directives, 0),
    reportSeconds: int('report-seconds', values['report-seconds'], 1),
    timeoutSeconds: int('timeout-seconds', values['timeout-seconds'], 10),
    out: values.out,
    seed: int('seed', values.seed, 0),
    workerProcesses: int('worker-processes', values['worker-processes'], 1),
    cachedWorkflows: int('cached-workflows', values['cached-workflows'], 0),
    profileWorkers: values['profile-workers'],
  };
}
