/**
 * Every environment variable the system reads, parsed once. The README's
 * "Configuration" table lists the same names; keep the two together.
 */
import path from 'node:path';
import { z } from 'zod';

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
});

export type Config = z.infer<typeof Env>;

/** The API server's timeouts in ms, as `buildApp` takes them. */
export function httpTimeouts(config: Config): { request: number; idle: number } {
  return { request: config.API_REQUEST_TIMEOUT_SECONDS * 1000, idle: config.API_IDLE_TIMEOUT_SECONDS * 1000 };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
