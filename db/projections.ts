/**
 * How each event changes the read models: the map from every event type to its handler,
 * composed of the models' own (db/models/, one module per read model, each holding its
 * projection handlers and its queries). Handlers are pure functions of the event (times come
 * from `occurredAt`, never from the clock), so a rebuild gives the same rows as the live
 * projection.
 *
 * The map is exhaustive: its type (`Handlers`) needs an entry for every `DomainEvent` type,
 * so a new event is a compile error here until a model reads it or it is listed as
 * {@link unread} with why. An event type in two models' maps is refused by
 * db/projections.test.ts.
 */
import type { DomainEvent } from '../domain/events.js';
import { campaignProjections } from './models/campaigns.js';
import { directiveProjections } from './models/directives.js';
import { escalationProjections } from './models/escalations.js';
import { inspectionProjections } from './models/inspections.js';
import { jointAnswerProjections } from './models/joint-answers.js';
import { publicMessageProjections } from './models/public-messages.js';
import { democraticLifeProjections } from './models/democratic-life.js';
import { progressProjections } from './models/org-progress.js';
import { problemProjections } from './models/problems.js';
import { projectProjections } from './models/projects.js';
import { unread, type Handlers, type ModelProjections, type Trx } from './models/projection.js';
import { researchTopicProjections } from './models/research-topics.js';
import { studySessionProjections } from './models/study-sessions.js';

export type { Handlers, Trx } from './models/projection.js';

/** The events no read model reads, each with why. */
export const unreadEvents = {
  ChildrenCascaded: unread('the cascade’s own bookkeeping: the children appear by their own OrgStarted'),
  ComponentOpened: unread('the components’ states reach rm_org_progress in the next ProgressReported'),
  ComponentDone: unread('the components’ states reach rm_org_progress in the next ProgressReported'),
  ReviewConcluded: unread('the review component’s state reaches rm_org_progress in the next ProgressReported'),
} satisfies ModelProjections;

/** Every model's handlers, by the models' names; an event type appears in one of them only. */
export const modelProjections = {
  campaigns: campaignProjections,
  progress: progressProjections,
  studySessions: studySessionProjections,
  researchTopics: researchTopicProjections,
  problems: problemProjections,
  democraticLife: democraticLifeProjections,
  projects: projectProjections,
  escalations: escalationProjections,
  directives: directiveProjections,
  jointAnswers: jointAnswerProjections,
  publicMessages: publicMessageProjections,
  inspections: inspectionProjections,
  unread: unreadEvents,
} satisfies Record<string, ModelProjections>;

const handlers: Handlers = {
  ...campaignProjections,
  ...progressProjections,
  ...studySessionProjections,
  ...researchTopicProjections,
  ...problemProjections,
  ...democraticLifeProjections,
  ...projectProjections,
  ...escalationProjections,
  ...directiveProjections,
  ...jointAnswerProjections,
  ...publicMessageProjections,
  ...inspectionProjections,
  ...unreadEvents,
};

/** Applies one event to the read models inside the caller's transaction. */
export async function applyEvent(trx: Trx, event: DomainEvent): Promise<void> {
  // A stored event of a type this code no longer knows (none today) is skipped, as before the map was exhaustive.
  const handler = handlers[event.type] as ((trx: Trx, e: DomainEvent) => Promise<unknown>) | undefined;
  if (handler) await handler(trx, event);
}
