/**
 * The envelope every event is stamped with before a workflow hands it to the event store:
 * `id` (`<streamId>:<seq>`, the idempotency key of the append), the stream, its seq, the
 * campaign and org it concerns, and the workflow time of the decision. `stamp` is the one
 * place it is made; `EventStream` holds a workflow's seq counter and outbox around it. The
 * events' bodies are in `domain/events.ts`; recording them, in order, is `EventRecorder`
 * (`workflows/shared.ts`); storing them, `db/event-store.ts`.
 */
import type { DomainEvent, DomainEventBody } from './events.js';

/** Which stream an event belongs to, and what it concerns. */
export interface StreamRef {
  streamId: string;
  campaignId: string;
  orgId: string | null;
}

/** The event `body` as the `seq`th of its stream, decided at `nowMs` (workflow time). */
export function stamp(stream: StreamRef, seq: number, body: DomainEventBody, nowMs: number): DomainEvent {
  return {
    ...body,
    id: `${stream.streamId}:${seq}`,
    streamId: stream.streamId,
    seq,
    campaignId: stream.campaignId,
    orgId: stream.orgId,
    occurredAt: new Date(nowMs).toISOString(),
  };
}

/**
 * A stream's events as a workflow decides them: each `emit` takes the next seq and lands in
 * `outbox`, which the workflow's `EventRecorder` empties. `seq` starts where the stream stands
 * (0 for a new run; the carried seq after continue-as-new). `now` is the workflow's clock.
 */
export class EventStream {
  readonly outbox: DomainEvent[] = [];

  constructor(
    readonly stream: StreamRef,
    public seq: number,
    private readonly now: () => number,
  ) {}

  emit(body: DomainEventBody): void {
    this.seq += 1;
    this.outbox.push(stamp(this.stream, this.seq, body, this.now()));
  }
}
