/**
 * What every route plugin receives ({@link ApiDeps}) and the Fastify instance it registers on
 * ({@link ApiInstance}): a module of its own so that the routes (api/routes/, api/session.ts,
 * api/console.ts) import these types from below app.ts, which imports the routes; no circle.
 */
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Database } from '../db/schema.js';

/** Temporal as the routes that start workflows and send them updates use it. */
export interface TemporalDeps {
  client: Client;
  taskQueue: string;
}

/** What every route plugin receives. */
export interface ApiDeps {
  db: Kysely<Database>;
  /** Always present: in an API started without Temporal, using its client throws a 503 problem. */
  temporal: TemporalDeps;
  /** The API's clock in ms since the epoch (token expiry, rate limits); `Date.now` unless a test sets one. */
  now: () => number;
}

/** The Fastify instance with the zod type provider: route schemas type `request.params`, `query` and `body`. */
export type ApiInstance = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;
