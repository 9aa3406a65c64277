/**
 * Every environment variable the system reads, parsed once. The README's
 * "Configuration" table lists the same names; keep the two together.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** An `ip:port` to serve Prometheus metrics on (IPv6 as `[::]:9464`), or empty for none. */
const MetricsAddress = z
  .string()
  .refine((value) => {
    if (value === '') return true;
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
    return match !== null && isIP(match[1] ?? match[2]!) !== 0 && Number(match[3]) <= 65535;
  }, 'expected ip:port (e.g. 0.0.0.0:9464, [::]:9464), or empty for none')
  .optional();

const Env = z.object({
  /** HTTP port of the API. */
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Where a running Temporal frontend answers; unset means `npm start` launches the dev server. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Ports of the dev server that `npm start` launches. */
  TEMPORAL_PORT: z.coerce.number().int().default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  /** A Temporal CLI binary to use instead of looking for one. */
  TEMPORAL_CLI_PATH: z.string().optional(),
  TASK_QUEUE: z.string().default('campaign'),
  /** A PostgreSQL server; unset means the embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default(path.resolve('.data')),
  /** The bootstrap token with every right; required to issue the first tokens. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How long the API waits for a whole request (headers and body) before answering 408 and
   * closing, and for a connection on which nothing moves; see HttpTimeouts in api/app.ts.
   */
  API_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(30),
  API_IDLE_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(120),
  /**
   * A worker process's share of the load: workflows kept in memory between tasks (the rest
   * are replayed when they wake), and workflow and activity tasks run at once (the SDK
   * wants at least 2 workflow tasks with a cache). Unset, `DEFAULT_TUNING` in
   * worker/create-worker.ts applies.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  WORKER_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).optional(),
  WORKER_ACTIVITY_TASK_SLOTS: z.coerce.number().int().min(1).optional(),
  /**
   * Workflow-task polls a worker process keeps open at once, and the share of them that may
   * poll the task queue itself rather than the worker's sticky queue. New workflows and
   * evicted ones only come through the task queue itself.
   */
  WORKER_WORKFLOW_TASK_POLLERS: z.coerce.number().int().min(2).max(200).optional(),
  WORKER_NON_STICKY_POLL_RATIO: z.coerce.number().gt(0).max(1).optional(),
  /**
   * Where a worker process serves the Temporal SDK's metrics for Prometheus (`/metrics`:
   * schedule-to-start latencies, workflow-task failures, the sticky cache) and where the API
   * serves its request metrics (api/metrics.ts). Unset or empty, none; `npm start` defaults to
   * loopback (see {@link metricsAddress}). An IP, not a host name: the SDK's core binds it as given.
   */
  WORKER_METRICS_ADDRESS: MetricsAddress,
  API_METRICS_ADDRESS: MetricsAddress,
});

export type Config = z.infer<typeof Env>;

/** The API server's timeouts in ms, as `buildApp` takes them. */
export function httpTimeouts(config: Config): { request: number; idle: number } {
  return { request: config.API_REQUEST_TIMEOUT_SECONDS * 1000, idle: config.API_IDLE_TIMEOUT_SECONDS * 1000 };
}

/**
 * The address to serve metrics on: the variable's when set, `fallback` when unset, and none
 * (undefined) when set empty, so `WORKER_METRICS_ADDRESS= npm start` turns them off.
 *
 * @example
 * metricsAddress(config.WORKER_METRICS_ADDRESS, '127.0.0.1:9464'); // npm start: on unless set empty
 */
export function metricsAddress(value: string | undefined, fallback?: string): string | undefined {
  return (value ?? fallback) || undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
