import type { DomainEvent } from '../domain/events.js';
import { appendEvents } from '../db/event-store.js';
import type { ActivityDeps } from './deps.js';

/** Appends a workflow's events and projects them; idempotent, so retries are safe. */
export function recordEvents({ db }: Pick<ActivityDeps, 'db'>) {
  return async function recordEvents(events: DomainEvent[]): Promise<{ stored: number }> {
    return appendEvents(db, events);
  };
}
