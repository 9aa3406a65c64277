import { sql } from 'kysely';
import type { ApiDeps, ApiInstance } from '../app.js';
import { sendProblem } from '../problem.js';

/** `/healthz`: the process answers. `/readyz`: the database and Temporal answer too. */
export function healthRoutes(app: ApiInstance, { db, temporal }: ApiDeps): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks = {
      database: await sql`select 1`.execute(db).then(() => 'ok', (e: unknown) => `failing: ${String(e)}`),
      temporal: await temporal.client.connection.workflowService.getSystemInfo({}).then(() => 'ok', (e: unknown) => `failing: ${String(e)}`),
    };
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok');
    if (failing.length > 0) return sendProblem(reply, 503, 'Service Unavailable', `not ready: ${failing.map(([k]) => k).join(', ')}`, { checks });
    return checks;
  });
}
