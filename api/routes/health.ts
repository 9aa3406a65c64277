/**
 * `/healthz`: the process answers (a liveness probe; restarting will not fix a database
 * that is down). `/readyz`: the database and Temporal answer too (a readiness probe: take
 * this instance out of the load balancer until they do). Neither needs a token.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { pingDatabase } from '../../db/health.js';
import type { Database } from '../../db/schema.js';
import type { ApiInstance } from '../deps.js';
import { ok, responses } from '../openapi.js';
import { sendProblem } from '../problem.js';

/** Each check resolves when its dependency answers; an absent check reports `disabled`. */
export interface ReadinessChecks {
  database?: () => Promise<void>;
  temporal?: () => Promise<void>;
}

/** `select 1` on the database and `getSystemInfo` on Temporal (when the API has a client). */
export function defaultChecks(db: Kysely<Database>, client: Client | undefined): ReadinessChecks {
  return {
    database: () => pingDatabase(db),
    ...(client ? { temporal: async () => void (await client.connection.workflowService.getSystemInfo({})) } : {}),
  };
}

/** A probe that hangs is as bad as one that fails, and the orchestrator's own timeout is usually short. */
const CHECK_TIMEOUT_MS = 2000;

const Status = z.enum(['ok', 'failing', 'disabled']);
const Ready = z.object({ database: Status, temporal: Status });

/** Registers both probes; `checks` come from `buildApp` (injectable for tests). */
export function healthRoutes(app: ApiInstance, checks: ReadinessChecks): void {
  // The probes touch nothing a caller sends: no 400; the liveness probe not even the database.
  const live = responses({ 200: ok(z.object({ status: z.literal('ok') }), 'The process answers') }, { public: true, noInput: true });
  delete live[503];
  app.get('/healthz', { schema: { tags: ['health'], security: [], response: live } }, async () => ({ status: 'ok' as const }));
  const ready = responses(
    { 200: ok(Ready, 'The database and Temporal answer (or are not configured: `disabled`)') },
    { public: true, noInput: true, unavailable: 'Not ready: a check failed; `checks` says which (`ok`, `failing` or `disabled` each).' },
  );
  app.get('/readyz', { schema: { tags: ['health'], security: [], response: ready } }, async (request, reply) => {
    const run = async (name: keyof ReadinessChecks): Promise<z.infer<typeof Status>> => {
      const check = checks[name];
      if (!check) return 'disabled';
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        return 'ok';
      } catch (err) {
        // The probe is public: the reason goes to the log, not to the caller.
        request.log.warn({ err, check: name }, 'readiness check failed');
        return 'failing';
      }
    };
    const [database, temporal] = await Promise.all([run('database'), run('temporal')]);
    const result = { database, temporal };
    const failing = Object.entries(result).filter(([, v]) => v === 'failing');
    if (failing.length > 0) return sendProblem(reply, 503, 'Service Unavailable', `not ready: ${failing.map(([k]) => k).join(', ')}`, { checks: result });
    return result;
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
