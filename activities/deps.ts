/**
 * What every activity is built from: the database, a Temporal client and the task queue.
 * Its own module so that the activity modules and `activities/index.ts`, which assembles
 * them, do not import each other.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface ActivityDeps {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
}
