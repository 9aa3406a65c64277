/**
 * One error shape for every route: RFC 9457 problem+json (`type`, `title`, `status`,
 * `detail`, and `errors` naming each failing field). The handler here maps validation
 * errors, domain rejections (thrown here or inside a workflow) and unknown routes; any
 * other error is a 500 whose message is logged, never sent.
 *
 * @example
 * throw new ProblemError(409, 'Conflict', 'campaign tj-2019 already exists with a different specification');
 */
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { cascadeWaitsFor, type CascadeWait } from '../db/models/org-progress.js';
import type { Database } from '../db/schema.js';
import { campaignWorkflowId, parseOrgWorkflowId, parseWorkflowId } from '../domain/workflow-ids.js';
import { Rejection, type RejectionKind } from '../domain/rejection.js';

/** One failing field: `path` as the caller sent it (`body.rules.minStudyDays`). */
export interface FieldError {
  path: string;
  message: string;
}

/** A refusal a handler throws; the error handler answers it as problem+json with `extra` merged into the body. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** 404: `notFound('org tj-d9')` → "org tj-d9 does not exist". */
export const notFound = (what: string) => new ProblemError(404, 'Not Found', `${what} does not exist`);
/**
 * 404 for an org a caller may not see: the same answer whether it exists outside the
 * caller's subtree or not at all, so that no caller learns from the status which org ids
 * exist elsewhere (an existence oracle). Org ids are not secrets, but the directory
 * outside one's subtree is none of one's business either, and one answer is simpler
 * than deciding which ids may leak.
 */
export const orgNotVisible = (orgId: string) => new ProblemError(404, 'Not Found', `org ${orgId} does not exist or is outside what you may see`);
/** 403: the caller is known but may not do this; the detail names the org or role. */
export const forbidden = (detail: string) => new ProblemError(403, 'Forbidden', detail);
/** 409: the request clashes with the current state; `extra` carries what clashed (e.g. `currentStatus`). */
export const conflict = (detail: string, extra?: Record<string, unknown>) => new ProblemError(409, 'Conflict', detail, extra);
/** 422: well-formed but refused by a rule; `errors` name the fields. */
export const unprocessable = (detail: string, errors: FieldError[] | Record<string, unknown>[]) =>
  new ProblemError(422, 'Unprocessable Content', detail, { errors });

const KIND_STATUS: Record<RejectionKind, [number, string]> = {
  Invalid: [422, 'Unprocessable Content'],
  Conflict: [409, 'Conflict'],
  NotFound: [404, 'Not Found'],
  Forbidden: [403, 'Forbidden'],
};

/** A problem for a refusal the domain made, in this process or inside a workflow. */
export function problemFromRejection(kind: string, message: string, field: string | null | undefined, extra: Record<string, unknown> = {}): ProblemError {
  const [status, title] = KIND_STATUS[kind as RejectionKind] ?? [422, 'Unprocessable Content'];
  return new ProblemError(status, title, message, { ...extra, ...(field ? { errors: [{ path: `body.${field}`, message }] } : {}) });
}

/** Maps what Temporal's client throws for a workflow's refusal; undefined for anything else. */
export function problemFromTemporal(err: unknown): ProblemError | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { field, ...extra } = (err.cause.details?.[0] ?? {}) as { field?: string | null } & Record<string, unknown>;
    delete extra.issues;
    return problemFromRejection(err.cause.type ?? 'Invalid', err.cause.message, field, extra);
  }
  if (err instanceof WorkflowNotFoundError) return notFound(`workflow ${err.workflowId}`);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ProblemError(503, 'Service Unavailable', 'the workflow did not answer in time; send the request again with the same Idempotency-Key');
  }
  return undefined;
}

/**
 * Why a command found no workflow to run in, asked of Temporal only on this error path:
 * the campaign does not exist (404), the org's workflow has finished because the campaign
 * closed (409), or the cascade has not reached the org (409). In the last case, with the
 * database at hand, the answer names whom the org waits for ({@link cascadeWaitsFor}): its
 * detail says so in words a secretary reads, and `waitingFor` carries it for a screen.
 */
export async function problemFromMissingWorkflow(client: Client, workflowId: string, db?: Kysely<Database>): Promise<ProblemError> {
  const org = parseOrgWorkflowId(workflowId);
  const ref = parseWorkflowId(workflowId);
  const campaignId = ref?.kind === 'org' || ref?.kind === 'campaign' ? ref.campaignId : undefined;
  if (!campaignId) return notFound(`workflow ${workflowId}`);
  const status = async (id: string) =>
    client.workflow
      .getHandle(id)
      .describe()
      .then(
        (d) => d.status.name,
        (e: unknown) => {
          if (e instanceof WorkflowNotFoundError) return undefined;
          throw e;
        },
      );
  const own = await status(workflowId);
  const who = org ? `org ${org.orgId} has finished in campaign ${campaignId}` : `campaign ${campaignId} has finished`;
  if (own && own !== 'RUNNING') return conflict(`${who} (${own.toLowerCase()}): it takes no more commands`);
  if (!org) return own ? conflict(`campaign ${campaignId} is starting; try again`) : notFound(`campaign ${campaignId}`);
  if (!(await status(campaignWorkflowId(campaignId)))) return notFound(`campaign ${campaignId}`);
  // Naming whom it waits for is a courtesy: a database that does not answer leaves the plain 409, not a 503.
  const waiting = db ? await cascadeWaitsFor(db, campaignId, org.orgId).catch(() => null) : null;
  if (!waiting) return conflict(`org ${org.orgId} is not reached by the cascade yet (its parent has not mobilised)`, { workflowId });
  if (waiting.kind === 'outside')
    return conflict(`org ${org.orgId} is not in campaign ${campaignId}: the campaign covers ${waiting.rootOrgId} and its subtree`, { workflowId });
  const { detail, waitingFor } = cascadeWait(org.orgId, waiting);
  return conflict(detail, { workflowId, waitingFor });
}

/** The words and the `waitingFor` field for an org the cascade has not reached (a command's 409, a read's 404). */
export function cascadeWait(
  orgId: string,
  waiting: Extract<CascadeWait, { kind: 'ancestor' }>,
): { detail: string; waitingFor: { orgId: string; name: string; level: string; mobilised: boolean } } {
  const { name, level, mobilised, relation } = waiting;
  const whom = `${relation === 'parent' ? 'its parent' : relation === 'root' ? 'the campaign’s root' : 'its ancestor'} ${waiting.orgId} (${name})`;
  const why =
    relation === 'root'
      ? `the campaign is starting at ${whom}; try again in a moment`
      : mobilised
        ? `${whom} has mobilised and the cascade is starting the orgs below it; try again in a moment`
        : `${whom} has not held its mobilisation meeting`;
  return { detail: `org ${orgId} is not reached by the cascade yet: ${why}`, waitingFor: { orgId: waiting.orgId, name, level, mobilised } };
}

/** Network errors and SQLSTATEs that mean "PostgreSQL is not there right now", not "your request is wrong". */
const DATABASE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/**
 * True when an error says the database cannot be reached (stopped, restarting, out of
 * connections): the API answers 503 with `Retry-After` instead of a 500.
 *
 * Network codes such as `ECONNRESET` are not the database's alone: a client that hangs up
 * mid-upload makes the body stream fail with `ECONNRESET` ("aborted") too, and that used to
 * be logged as a database outage. An error carrying an HTTP `statusCode` was raised by the
 * HTTP layer (Fastify sets one on every body-parsing error), never by the database
 * client, so it is not a database outage whatever its code; the error handler also checks
 * first whether the client went away ({@link clientWentAway}).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error && typeof error === 'object' && typeof (error as { statusCode?: unknown }).statusCode === 'number') return false;
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (DATABASE_DOWN_CODES.has(code) || code.startsWith('08'))) return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
    )
      return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

/**
 * True when the request failed because its client went away: it aborted the request, or
 * its connection is gone (hung up mid-upload, or closed by the request timeout). Nobody is
 * left to answer, and it says nothing about the database.
 */
export function clientWentAway(request: FastifyRequest): boolean {
  const raw = request.raw;
  return raw.aborted || raw.socket?.destroyed === true;
}

/** Answers with a problem+json body; a 401 also carries `WWW-Authenticate: Bearer`. */
export function sendProblem(reply: FastifyReply, status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, detail, ...extra });
}

/**
 * The answer to a request no route takes: 405 with `Allow` when the path is served under
 * other methods (RFC 9110 §15.5.6), else 404. The not-found handler answers with it, and so
 * does an `onRequest` hook in api/app.ts, before the body is read: the not-found handler
 * runs after content-type parsing, so a body method with no Content-Type (`QUERY` on a
 * GET-only path) would otherwise be a 400 about its missing header instead of a 405.
 */
export function answerUnrouted(allowedMethods: (path: string) => string[]) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const allow = allowedMethods(path);
    if (allow.length) {
      void reply.header('allow', allow.join(', '));
      return sendProblem(reply, 405, 'Method Not Allowed', `${request.method} is not allowed on ${path}; it takes ${allow.join(', ')}`);
    }
    return sendProblem(reply, 404, 'Not Found', `no route ${request.method} ${path}`);
  };
}

/** Installs the error and not-found handlers on an app; the client, when there is one, explains missing workflows. */
export function registerProblemHandling(
  app: FastifyInstance,
  client: Client | undefined,
  allowedMethods: (path: string) => string[] = () => [],
  db?: Kysely<Database>,
): void {
  app.setNotFoundHandler(answerUnrouted(allowedMethods));
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.flatMap((v) => {
        const path = [error.validationContext ?? 'body', ...v.instancePath.split('/').filter(Boolean)].join('.');
        // zod reports unknown fields once for their object; each gets its own entry naming it.
        const unknown = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
        return unknown?.length
          ? unknown.map((key) => ({ path: `${path}.${key}`, message: `unknown field ${key}` }))
          : [{ path, message: v.message ?? 'invalid' }];
      });
      return sendProblem(reply, 400, 'Bad Request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    }
    if (error instanceof ProblemError) return sendProblem(reply, error.status, error.title, error.message, error.extra);
    if (error instanceof Rejection) {
      const p = problemFromRejection(error.kind, error.message, error.field, error.extra);
      return sendProblem(reply, p.status, p.title, p.message, p.extra);
    }
    const temporal =
      error instanceof WorkflowNotFoundError && client
        ? await problemFromMissingWorkflow(client, error.workflowId, db).catch(
            () => new ProblemError(503, 'Service Unavailable', 'Temporal did not answer; try again'),
          )
        : problemFromTemporal(error);
    if (temporal) return sendProblem(reply, temporal.status, temporal.title, temporal.message, temporal.extra);
    if (clientWentAway(request)) {
      // Hung up mid-upload, or cut off by the request timeout: not an outage, and nobody to answer.
      request.log.info({ code: (error as { code?: unknown }).code }, 'the client went away before its request was read');
      return sendProblem(reply, 400, 'Bad Request', 'the connection closed before the whole request arrived');
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return sendProblem(reply, 503, 'Service Unavailable', 'the database is unavailable; try again shortly (a create with the same Idempotency-Key)');
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own refusals: malformed JSON, unsupported media type, body too large …
      return sendProblem(reply, status, titleFor(status), error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, 500, 'Internal Server Error', 'something went wrong on our side; it has been logged', { requestId: request.id });
  });
}

/**
 * The router's own refusals (a URL that is not valid percent-encoded UTF-8, a path
 * parameter over its length limit) come before any route and its error handler: Fastify's
 * `frameworkErrors` option sends them here so they are problem+json too.
 */
export function sendFrameworkProblem(error: FastifyError, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  // No hook runs for these, helmet's and the no-store one included; the two headers that matter
  // for a small JSON answer echoing the URL are set here, as on the raw answers of answerClientError.
  void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
  return sendProblem(reply, status, titleFor(status), error.message);
}

function titleFor(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      405: 'Method Not Allowed',
      408: 'Request Timeout',
      413: 'Content Too Large',
      414: 'URI Too Long',
      415: 'Unsupported Media Type',
      429: 'Too Many Requests',
      431: 'Request Header Fields Too Large',
    }[status] ?? 'Bad Request'
  );
}

/** What Node's HTTP server refuses itself, and how we say it. */
const CLIENT_ERRORS: Record<string, [status: number, detail: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time (its headers and body must arrive within the request timeout); send it again'],
  HPE_HEADER_OVERFLOW: [431, 'the request headers are too large'],
};

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP server refuses itself, under any route
 * (a request whose headers or body did not all arrive within the request timeout, headers
 * too large, bytes that are not HTTP), is answered as problem+json on the raw socket, which
 * is then closed, instead of Fastify's plain JSON. A reset connection, or one already gone, gets nothing:
 * nobody is there to read it. The answer is written only while no response of the
 * request in flight has started (as Node itself does), so it never corrupts one.
 */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'the request is not valid HTTP'];
  this.log.info({ code: error.code, status }, 'refused a request before routing');
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify({ type: 'about:blank', title: titleFor(status), status, detail });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
