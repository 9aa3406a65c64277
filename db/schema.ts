/**
 * The database's tables as Kysely sees them. Read-model tables start with `rm_`:
 * they are projections of `events` and `npm run rebuild-projections` recreates them
 * from it. Everything else (`events`, `orgs`, `api_tokens`, `idempotency_keys`) is a source of truth.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

/** One row per domain event; append-only. `id` is deterministic: `<streamId>:<streamSeq>`. */
export interface EventsTable {
  global_seq: Generated<string>;
  id: string;
  stream_id: string;
  stream_seq: number;
  campaign_id: string;
  org_id: string | null;
  type: string;
  payload: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
  recorded_at: Generated<Timestamp>;
}

/** The org directory. `path` is materialised (`/tj/hexi/u12/b3/`): a subtree is a prefix. */
export interface OrgsTable {
  id: string;
  parent_id: string | null;
  level: 'city' | 'district' | 'unit' | 'branch';
  kind: string;
  name: string;
  path: string;
  depth: number;
  /** Order of the org among its siblings as imported. */
  position: number;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  role: 'admin' | 'organiser' | 'secretary' | 'inspector' | 'operator';
  org_id: string | null;
  label: string;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** The first answer to a create, replayed for a retry carrying the same Idempotency-Key. */
export interface IdempotencyKeysTable {
  key: string;
  scope: string;
  request_hash: string;
  status_code: number;
  response: Json<unknown>;
  created_at: Generated<Timestamp>;
}

export interface RmCampaignsTable {
  id: string;
  name: string;
  batch: number;
  root_org_id: string;
  phase_mode: 'integrated' | 'sequential';
  rules: Json<Record<string, unknown>>;
  starts_on: string;
  ends_on: string;
  status: 'running' | 'closing' | 'completed' | 'closed';
  started_at: Timestamp;
  ended_at: Timestamp | null;
  summary: Json<Record<string, unknown>> | null;
}

/** Per campaign × org: its own figures and its subtree's aggregate as the org last reported it. */
export interface RmOrgProgressTable {
  campaign_id: string;
  org_id: string;
  parent_id: string | null;
  level: string;
  path: string;
  name: string;
  status: string;
  mobilised_on: string | null;
  /** When the cascade reached the org (its `OrgStarted`): the mobilisation deadline counts from it. */
  reached_at: Timestamp | null;
  components: Json<Record<string, string>>;
  own: Json<Record<string, number>>;
  subtree: Json<Record<string, number>>;
  details: string;
  /** Coverage of each directive in the org's subtree (上题下答), as last reported. */
  directives: Json<Record<string, unknown>> | null;
  last_stream_seq: number;
  updated_at: Timestamp;
}

export interface RmStudySessionsTable {
  campaign_id: string;
  org_id: string;
  session_id: string;
  date: string;
  kind: string;
  hours: number;
  attendance: number;
  counted: boolean;
  reason: string | null;
  recorded_at: Timestamp;
}

export interface RmResearchTopicsTable {
  campaign_id: string;
  org_id: string;
  topic_id: string;
  leader: string;
  title: string;
  status: 'proposed' | 'approved' | 'returned';
  similar_to: Json<string[]>;
  vetted_by: string | null;
  return_reason: string | null;
  reports: number;
  policy_measures: number;
  updated_at: Timestamp;
}

export interface RmProblemsTable {
  campaign_id: string;
  org_id: string;
  problem_id: string;
  source: string;
  category: string;
  description: string;
  status: string;
  recorded_at: Timestamp;
  updated_at: Timestamp;
  immediate: Generated<boolean>;
  project_ref: string | null;
  meeting_id: string | null;
  owner: string | null;
  measures: string | null;
  deadline: Timestamp | null;
  extended_from: Timestamp | null;
  extension_reason: string | null;
  alert: Generated<'none' | 'yellow' | 'red'>;
  evidence: string | null;
  attachments: Json<string[]> | null;
  rectified_by: string | null;
  verified_by: string | null;
  returns: Generated<number>;
  return_reason: string | null;
  /** What the rectification achieved (成效), as the verifier recorded it. */
  result: string | null;
  closed_at: Timestamp | null;
  disclosed_on: string | null;
  /** The org's materialised path, for overdue lists across a subtree. */
  path: string | null;
  /** The directive the item carries out (上题下答). */
  directive_id: string | null;
  /** The joint problem the item is a part of (同题共答). */
  joint_id: string | null;
  /** The public message the item answers (民意直通车). */
  public_message_id: string | null;
}

export interface RmJointProblemsTable {
  campaign_id: string;
  joint_id: string;
  title: string;
  description: string;
  opener_org_id: string;
  /** Each participant's part: its org id → the status of its item. */
  parts: Json<Record<string, string>>;
  status: 'open' | 'closed';
  opened_at: Timestamp;
  closed_at: Timestamp | null;
}

/**
 * 民意直通车: one row per public message. `state` is the workflow's (received,
 * awaiting_triage, routed, in_rectification, resolved); `flagged_at` is set when it was
 * still unrouted at its deadline. `org_path` is the routed org's, for subtree figures.
 */
export interface RmPublicMessagesTable {
  campaign_id: string;
  message_id: string;
  category: string;
  area: string;
  text: string;
  contact: string | null;
  office_org_id: string;
  state: 'received' | 'awaiting_triage' | 'routed' | 'in_rectification' | 'resolved';
  org_id: string | null;
  org_path: string | null;
  problem_id: string | null;
  item_status: string | null;
  triage_reason: string | null;
  routed_by: string | null;
  routed_same_day: Generated<boolean>;
  received_at: Timestamp;
  deadline: Timestamp;
  routed_at: Timestamp | null;
  flagged_at: Timestamp | null;
  rectification_started_at: Timestamp | null;
  resolved_at: Timestamp | null;
  updated_at: Timestamp;
}

/** The campaign office's routing rules for public messages, in order (a source of truth, set through the API). */
export interface PublicMessageRoutesTable {
  campaign_id: string;
  position: number;
  category: string | null;
  area: string | null;
  org_id: string;
  set_by: string;
  set_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A sender's tracking code, stored only as its sha256, and the message it tracks. */
export interface PublicMessageCodesTable {
  code_hash: string;
  campaign_id: string;
  message_id: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface RmDirectivesTable {
  campaign_id: string;
  directive_id: string;
  issuer_org_id: string;
  title: string;
  instructions: string;
  deadline: Timestamp;
  target_levels: Json<string[]>;
  target_org_ids: Json<string[]>;
  cancelled: boolean;
  issued_at: Timestamp;
  /** `task` or `information_request` (为基层减负: capped per week). */
  kind: ColumnType<string, string | undefined, string>;
}

/** 为基层减负: one row per request for information refused over its sender's weekly cap. */
export interface RmInformationRequestRefusalsTable {
  /** The `InformationRequestRefused` event's id. */
  event_id: string;
  campaign_id: string;
  org_id: string;
  level: string;
  /** The Monday (UTC+8) of the week, `YYYY-MM-DD`. */
  week: string;
  cap: number;
  sent: number;
  directive_id: string;
  title: string;
  by: string;
  refused_at: Timestamp;
}

export interface RmDemocraticLifeMeetingsTable {
  campaign_id: string;
  org_id: string;
  meeting_id: string;
  date: string;
  attendance: number;
  problems_found: number;
  criticisms: number;
  recorded_at: Timestamp;
}

/** 专项整治: `project_ref` is `<orgId>/<projectId>`, what items carry. */
export interface RmProjectsTable {
  campaign_id: string;
  org_id: string;
  project_id: string;
  project_ref: string;
  title: string;
  lead_org_id: string;
  participant_org_ids: Json<string[]>;
  created_at: Timestamp;
}

/**
 * 下题上答. Origin columns come from the origin's events; target columns from the
 * targets', kept only from the furthest hop, so the row is the same whatever order
 * the streams' events are applied in.
 */
export interface RmEscalationsTable {
  escalation_id: string;
  origin_campaign_id: string | null;
  origin_org_id: string | null;
  origin_problem_id: string | null;
  category: string | null;
  description: string | null;
  reason: string | null;
  origin_status: string | null;
  target_campaign_id: string | null;
  current_org_id: string | null;
  hop: Generated<number>;
  target_status: string | null;
  claim_deadline: Timestamp | null;
  claimed_problem_id: string | null;
  lapses: Generated<number>;
  updated_at: Timestamp;
  /** When its claim deadline passed at the campaign's top (red); null otherwise. */
  overdue_at: Timestamp | null;
}

/** 巡回指导组: a named set of inspectors (inspector tokens, by id) bound to an org scope in one campaign; a source of truth. */
export interface GuidanceGroupsTable {
  campaign_id: string;
  group_id: string;
  name: string;
  scope_org_id: string;
  scope_path: string;
  inspector_token_ids: Json<string[]>;
  created_by: string;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** 暗访抽查: one row per inspection round; `status` sampled → findings_issued → circulated. */
export interface RmInspectionRoundsTable {
  campaign_id: string;
  round_id: string;
  group_id: string;
  scope_org_id: string;
  seed: string;
  sample_size: number;
  stratify_by_level: boolean;
  inspectors: Json<string[]>;
  candidates: number | null;
  sample: Json<string[]>;
  status: 'sampled' | 'findings_issued' | 'circulated';
  interviews: Generated<number>;
  interview_notes: Json<{ count: number; notes: string; by: string }[]>;
  notice_title: string | null;
  notice_text: string | null;
  started_by: string;
  started_at: Timestamp;
  findings_issued_at: Timestamp | null;
  circulated_at: Timestamp | null;
  updated_at: Timestamp;
}

/** A round's findings: rule hits (`by` = 'rule') and those an inspector added; `problem_id` the item it became. */
export interface RmInspectionFindingsTable {
  campaign_id: string;
  round_id: string;
  finding_id: string;
  org_id: string;
  prevention: string;
  detail: string;
  by: string;
  problem_id: string | null;
  delivered: boolean | null;
  added_at: Timestamp;
}

/** 例会: a report compiled for the office's weekly or fortnightly meeting (a source of truth: what the figures were then). */
export interface ReportsTable {
  campaign_id: string;
  kind: 'weekly' | 'fortnightly';
  period_from: Timestamp;
  period_to: Timestamp;
  report_id: string;
  workflow_id: string;
  figures: Json<Record<string, unknown>>;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A console sign-in (api/session.ts): only the sha256 of the session id is kept. */
export interface SessionsTable {
  id_hash: string;
  token_id: string;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp;
}

/**
 * A public route's token bucket for one client address (api/rate-limit.ts), shared by every
 * API process: full again at `full_at`; `allowed` is the verdict on its latest request.
 */
export interface RateLimitsTable {
  scope: string;
  client: string;
  full_at: Timestamp;
  allowed: boolean;
}

export interface Database {
  events: EventsTable;
  orgs: OrgsTable;
  api_tokens: ApiTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  rm_campaigns: RmCampaignsTable;
  rm_org_progress: RmOrgProgressTable;
  rm_study_sessions: RmStudySessionsTable;
  rm_research_topics: RmResearchTopicsTable;
  rm_problems: RmProblemsTable;
  rm_democratic_life_meetings: RmDemocraticLifeMeetingsTable;
  rm_projects: RmProjectsTable;
  rm_escalations: RmEscalationsTable;
  rm_directives: RmDirectivesTable;
  rm_information_request_refusals: RmInformationRequestRefusalsTable;
  rm_joint_problems: RmJointProblemsTable;
  rm_public_messages: RmPublicMessagesTable;
  public_message_routes: PublicMessageRoutesTable;
  public_message_codes: PublicMessageCodesTable;
  guidance_groups: GuidanceGroupsTable;
  rm_inspection_rounds: RmInspectionRoundsTable;
  rm_inspection_findings: RmInspectionFindingsTable;
  reports: ReportsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
}

/** Read-model tables, in the order a rebuild truncates them. */
export const READ_MODEL_TABLES = [
  'rm_campaigns',
  'rm_org_progress',
  'rm_study_sessions',
  'rm_research_topics',
  'rm_problems',
  'rm_democratic_life_meetings',
  'rm_projects',
  'rm_escalations',
  'rm_directives',
  'rm_information_request_refusals',
  'rm_joint_problems',
  'rm_public_messages',
  'rm_inspection_rounds',
  'rm_inspection_findings',
] as const satisfies readonly (keyof Database)[];

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
export type OrgRow = Selectable<OrgsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
