/**
 * The HTTP API: `buildApp(deps)` returns a ready Fastify instance (tests call
 * `app.inject`; `api/main.ts` and `npm start` listen). Every route declares its
 * params, query and body as zod schemas; the OpenAPI document is generated from them
 * (`/openapi.json`, browsable at `/docs`).
 *
 * To add a resource: write `api/routes/<resource>.ts` exporting a plugin
 * `(app: ApiInstance, deps: ApiDeps) => void`, and add it to ROUTES below. Every route
 * but those in PUBLIC needs a bearer token; a handler then calls `requireRole` /
 * `requireOrgAccess` (api/auth.ts) and throws `ProblemError`s (api/problem.ts).
 *
 * @example
 * const app = await buildApp({ db, temporal: { client, taskQueue: 'campaign' }, adminToken });
 * await app.listen({ port: 3000 });
 */
import etag from '@fastify/etag';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import FindMyWay from 'find-my-way';
import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import type { ApiDeps, ApiInstance, TemporalDeps } from './deps.js';
import { authenticate } from './auth.js';
import { openapiTransform, openapiTransformObject } from './openapi.js';
import { consoleRoutes, isConsoleRoute } from './console.js';
import { registerMetrics } from './metrics.js';
import { sessionPrincipal, sessionRoutes } from './session.js';
import { overviewRoutes } from './routes/overview.js';
import { registerRateLimits } from './rate-limit.js';
import { answerClientError, answerUnrouted, ProblemError, registerProblemHandling, sendFrameworkProblem } from './problem.js';
import { campaignRoutes } from './routes/campaigns.js';
import { directiveRoutes } from './routes/directives.js';
import { escalationRoutes } from './routes/escalations.js';
import { jointAnswerRoutes } from './routes/joint-answers.js';
import { inspectionRoutes } from './routes/inspections.js';
import { defaultChecks, healthRoutes, type ReadinessChecks } from './routes/health.js';
import { ledgerRoutes } from './routes/ledger.js';
import { orgActionRoutes } from './routes/org-actions.js';
import { orgRoutes } from './routes/orgs.js';
import { PUBLIC_MESSAGE_ROUTES, publicMessageRoutes } from './routes/public-messages.js';
import { reportRoutes } from './routes/reports.js';
import { tokenRoutes } from './routes/tokens.js';

/**
 * How long the HTTP server waits on a client, in ms. Without these a client that declares a
 * body and stalls (a public-message POST declaring 100 bytes and sending 4, no token needed)
 * held its connection, and a slot of the server, for as long as it liked.
 *
 * - `request` (default 30 s): the whole request, headers and body, must have arrived within
 *   it, or the client gets a 408 problem and the connection closes. 30 s lets a phone on a
 *   poor mobile network send a public message or an org action (a few KiB) many times over;
 *   a CSV import near its 32 MiB limit needs about 9 Mbit/s to make it, so a deployment
 *   importing huge trees over a slow link raises it (`API_REQUEST_TIMEOUT_SECONDS`). The
 *   headers alone get the same time (Node's `headersTimeout`, which must not exceed it).
 * - `idle` (default 120 s): a connection on which nothing moves at all for that long is
 *   closed (Node's socket timeout), e.g. a client that stops reading our answer. It also
 *   runs while a handler works, so it is well above what any route takes
 *   (`API_IDLE_TIMEOUT_SECONDS`).
 *
 * Node checks the request timeout only every `connectionsCheckingInterval` (30 s by
 * default, which would make a 30 s timeout fire anywhere up to 60 s); the check runs here
 * every fifth of the timeout, at most every second.
 */
export interface HttpTimeouts {
  request: number;
  idle: number;
}
export const DEFAULT_TIMEOUTS: HttpTimeouts = { request: 30_000, idle: 120_000 };

/** What `buildApp` needs; everything but the database is optional. */
export interface AppDeps {
  db: Kysely<Database>;
  /** Without it the directory, tokens and reads work and every workflow route answers 503. */
  temporal?: TemporalDeps | undefined;
  /** The bootstrap token with every right. */
  adminToken?: string | undefined;
  /** Fastify's logger option; the authorization header is redacted whatever is given. */
  logger?: FastifyServerOptions['logger'];
  /** What `/readyz` runs; by default `select 1` and Temporal's `getSystemInfo`. */
  checks?: ReadinessChecks;
  /** The clock (ms since the epoch) tokens expire and rate limits refill by; `Date.now` by default. Tests move it to see a token expire or a limit refill. */
  now?: () => number;
  /** How long a client may take to send its request; see {@link HttpTimeouts}. */
  timeouts?: Partial<HttpTimeouts>;
  /** The built console's folder (api/console.ts), served at `/`; unset, no console. */
  console?: string | undefined;
  /** Where the console links an org's workflow: the Temporal UI's page of the namespace (`http://localhost:8233/namespaces/default`). */
  temporalUiUrl?: string | undefined;
}

export type { ApiDeps, ApiInstance, TemporalDeps } from './deps.js';

const ROUTES: ((app: ApiInstance, deps: ApiDeps) => void)[] = [
  overviewRoutes,
  tokenRoutes,
  orgRoutes,
  campaignRoutes,
  orgActionRoutes,
  ledgerRoutes,
  escalationRoutes,
  directiveRoutes,
  jointAnswerRoutes,
  publicMessageRoutes,
  inspectionRoutes,
  reportRoutes,
];

/** Routes anyone may call. */
const PUBLIC = new Set(['/healthz', '/readyz', '/openapi.json', '/session']);
/** Route patterns anyone may call: the public feedback channel (民意直通车), rate limited by the routes themselves. */
const PUBLIC_ROUTES = new Set<string>(PUBLIC_MESSAGE_ROUTES);

const withoutTemporal: TemporalDeps = {
  get client(): Client {
    throw new ProblemError(
      503,
      'Service Unavailable',
      'this API runs without Temporal (TEMPORAL_ADDRESS is unset): it cannot start workflows or send them commands',
    );
  },
  taskQueue: '',
};

/** A ready (not listening) API over the given database and, optionally, Temporal. */
export async function buildApp(deps: AppDeps): Promise<ApiInstance> {
  const now = deps.now ?? Date.now;
  const routeDeps: ApiDeps = { db: deps.db, temporal: deps.temporal ?? withoutTemporal, now };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const app = Fastify({
    logger: redacted(deps.logger ?? false),
    bodyLimit: 1024 * 1024,
    requestTimeout: timeouts.request,
    connectionTimeout: timeouts.idle,
    http: { headersTimeout: timeouts.request, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeouts.request / 5))) },
    // What Node refuses before routing (408 request timeout, 431 headers too large, not HTTP) is problem+json too.
    clientErrorHandler: answerClientError,
    // Escalation ids (up to 300 characters, `/` and `#` percent-encoded) are path parameters:
    // each route's schema limits its parameters, and names the one that is too long.
    routerOptions: { maxParamLength: 1000 },
    // The router's refusals (a URL that is not UTF-8, a parameter over that limit) are problem+json too.
    frameworkErrors: (error, _request, reply) => void sendFrameworkProblem(error, reply),
    // Deep JSON is refused by its size; a long key or string by the schema's limits.
    ajv: { customOptions: { allErrors: true } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await registerMetrics(app); // first, so requests answered early (404, 401, 429) are counted too: api/metrics.ts
  const methods = methodIndex();
  // Before any route is registered (the docs' included): every route's methods, for the 405's Allow header.
  app.addHook('onRoute', (route) => methods.add(route.method, route.url));
  registerProblemHandling(app, deps.temporal?.client, methods.allowed, deps.db);
  await app.register(helmet, {
    // helmet's default policy but upgrade-insecure-requests: the API is also served over plain
    // HTTP (`npm start`, docker-compose), where that directive would send the browser to https
    // for the docs' scripts and break them. default-src 'self' suits the Swagger UI at /docs
    // (its scripts and styles are files of the same origin, its logo a data: image, which
    // img-src allows) and the web console to be served at `/` with its own script files;
    // style-src keeps 'unsafe-inline', which the Swagger UI and the report page need.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  // A request no route takes is answered here, after helmet's headers and before its body is read.
  const unrouted = answerUnrouted(methods.allowed);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url === undefined) return unrouted(request, reply);
  });
  // Conditional reads: every answer carries an ETag (a hash of its body, @fastify/etag), and a
  // GET whose `If-None-Match` names the body it would get now is answered 304 with no body.
  // The console polls its reads every 3 s (console/src/hooks.ts); most polls change nothing,
  // and a 304 then spares the transfer, the browser's parse and a re-render. The hash is of the
  // body, not a version stamp of the read model, because a body also depends on the clock
  // (the colour rule's deadlines) and on the caller: a stamp would have to know both.
  await app.register(etag);
  // Caching. API answers are per caller (what a role may see and do), so no shared cache (a
  // proxy) may ever keep one: every answer is `private` or `no-store`.
  // - An authenticated GET answered 200 (or 304) is `private, no-cache`: the caller's browser
  //   may keep it but must ask again each time, sending its ETag, so a poll that changes
  //   nothing costs a 304. It is asked again under whoever is signed in then, and the server
  //   judges that caller afresh: a kept answer is never shown without the server's 304.
  //   What stays in the browser's cache is cleared on signing out (`Clear-Site-Data`, api/session.ts).
  // - Everything else is `no-store`: answers that carry a token (POST /tokens, sign-in), a
  //   tracking code or a member of the public's message, refusals, and every write's answer.
  // - Static files say otherwise themselves (the docs' assets, the console's via @fastify/static): they hold no secret.
  app.addHook('onSend', async (request, reply) => {
    if (reply.hasHeader('cache-control')) return;
    const revalidated = request.method === 'GET' && request.principal !== undefined && (reply.statusCode === 200 || reply.statusCode === 304);
    void reply.header('cache-control', revalidated ? 'private, no-cache' : 'no-store');
  });
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, parseCsvBody);
  // JSON is UTF-8 (RFC 8259): bytes that are not are refused, not stored as U+FFFD.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const text = utf8(body as Buffer);
    if (text === undefined) return done(Object.assign(new Error('the body is not valid UTF-8'), { statusCode: 400 }), undefined);
    void parseJson(request, text, done);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'campaign-engine', description: 'Campaigns across a hierarchy of organisations, on Temporal.', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Every status each route answers, the problem schema they share, and the string rules the
    // server enforces everywhere (api/openapi.ts).
    transform: openapiTransform,
    transformObject: openapiTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  // Query parameters a route does not know are refused, as unknown body fields are: a
  // misspelt filter (`?stauts=closed`) must not silently answer with everything. The public
  // tracking link too: its code is the only thing it takes. (A link that a messaging app passes
  // on with `?from=…` appended is refused, 400 naming the parameter; we chose one rule for every
  // route over a lenient exception that the bad-input properties would have to special-case.)
  app.addHook('onRoute', (route) => {
    if (!route.schema || PUBLIC.has(route.url) || route.url.startsWith('/docs')) return;
    const query = route.schema.querystring;
    route.schema.querystring = query instanceof z.ZodObject ? query.strict() : (query ?? z.object({}).strict());
  });
  app.addHook('preValidation', async (request) => refuseUnprintable(request));
  // Sign-in sessions (their cookie parser is registered first, before the authentication hook
  // below reads it) and the console's page (api/session.ts, api/console.ts).
  await sessionRoutes(app, deps.db, deps.adminToken, deps.temporalUiUrl, now);
  if (deps.console) await consoleRoutes(app, deps.console);

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (PUBLIC.has(path) || path.startsWith('/docs')) return;
    if (!request.routeOptions.url) return; // unknown route: the not-found handler answers
    if (PUBLIC_ROUTES.has(request.routeOptions.url) || isConsoleRoute(request)) return;
    // The console's session cookie (api/session.ts) stands in for a bearer header.
    request.principal = (await sessionPrincipal(deps.db, deps.adminToken, request, now)) ?? (await authenticate(deps.db, deps.adminToken, request, now));
  });
  // The public routes' limits (their `config.rateLimit`), counted in the database: before the routes.
  await registerRateLimits(app, deps.db, now);
  for (const routes of ROUTES) routes(app, routeDeps);
  healthRoutes(app, deps.checks ?? defaultChecks(deps.db, deps.temporal?.client));
  await app.ready();
  return app;
}

/**
 * Which methods each route path takes, kept in a router of its own (find-my-way, the router
 * inside Fastify, so a path matches here exactly as it matches there): Fastify answers a
 * method a path does not take as "no route", and the not-found handler asks this index
 * whether the path exists under other methods, to answer 405 with `Allow` instead.
 */
function methodIndex(): { add(method: string | string[], url: string): void; allowed(path: string): string[] } {
  const router = FindMyWay({ maxParamLength: 1000 });
  const known = new Set<string>();
  const noop = () => {};
  return {
    add(method, url) {
      // Fastify answers HEAD wherever it answers GET.
      const list = [method].flat().flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      for (const m of list) {
        if (router.hasRoute(m as FindMyWay.HTTPMethod, url)) continue;
        router.on(m as FindMyWay.HTTPMethod, url, noop);
        known.add(m);
      }
    },
    /**
     * The methods of the routes a path is: where a route names the path exactly (a static
     * route, `/orgs/import`), only those, not a parametric one that also matches it
     * (`GET /orgs/:id` with the id `import`), which the document lists under another path.
     */
    allowed(path) {
      const matches = [...known].flatMap((m) => {
        const found = router.find(m as FindMyWay.HTTPMethod, path);
        return found ? [{ method: m, exact: Object.keys(found.params).length === 0 }] : [];
      });
      const exact = matches.some((x) => x.exact);
      return matches
        .filter((x) => !exact || x.exact)
        .map((x) => x.method)
        .sort();
    },
  };
}

/** Control characters (but tab, line feed and carriage return) and lone surrogates. */
const UNPRINTABLE = /(?![\t\n\r])[\p{Cc}\p{Cs}]/u;

/**
 * Refuses (400, naming the field) a path parameter, query parameter or JSON body field,
 * or key, holding a control character or a lone surrogate: PostgreSQL cannot store NUL,
 * and the rest is garbage nobody can read back (a leading vertical tab would even be
 * trimmed away unseen). Also refuses a query string that is not valid percent-encoded
 * UTF-8, which the query parser would otherwise pass on as literal `%FF`.
 */
function refuseUnprintable(request: FastifyRequest): void {
  const query = request.raw.url?.split('?')[1];
  if (query !== undefined) {
    try {
      decodeURIComponent(query);
    } catch {
      throw new ProblemError(400, 'Bad Request', 'querystring: not valid percent-encoded UTF-8', {
        errors: [{ path: 'querystring', message: 'not valid percent-encoded UTF-8' }],
      });
    }
  }
  // Iterative, and a node's path spelt out only when it is refused: a body may be nested thousands of levels deep.
  type Node = { key: string; value: unknown; parent: Node | undefined };
  const stack: Node[] = [
    { key: 'params', value: request.params, parent: undefined },
    { key: 'querystring', value: request.query, parent: undefined },
  ];
  // JSON bodies; a CSV import (a string) reports its own control characters by row.
  if (request.body !== null && typeof request.body === 'object') stack.push({ key: 'body', value: request.body, parent: undefined });
  const refuse = (node: Node) => {
    const keys: string[] = [];
    for (let n: Node | undefined = node; n; n = n.parent) keys.unshift(n.key);
    const path = keys.join('.');
    const message = 'control characters and lone surrogates are not allowed';
    return new ProblemError(400, 'Bad Request', `${path}: ${message}`, { errors: [{ path, message }] });
  };
  while (stack.length) {
    const node = stack.pop()!;
    if (typeof node.value === 'string') {
      if (UNPRINTABLE.test(node.value)) throw refuse(node);
    } else if (node.value && typeof node.value === 'object') {
      for (const [key, value] of Object.entries(node.value)) {
        const child = { key, value, parent: node };
        if (UNPRINTABLE.test(key)) throw refuse(child);
        stack.push(child);
      }
    }
  }
}

/** The text of UTF-8 bytes, or undefined when they are not UTF-8. */
function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Whatever logger the caller asks for, bearer tokens never reach the log. */
function redacted(logger: AppDeps['logger']): AppDeps['logger'] {
  if (!logger) return logger;
  const options = logger === true ? {} : logger;
  return { ...options, redact: { paths: ['req.headers.authorization'], censor: '[redacted]' } };
}

/**
 * CSV bodies must be UTF-8: a spreadsheet saved as GBK would otherwise import with
 * garbled names and no error. Its size is checked by the route (32 MiB for the import).
 */
function parseCsvBody(request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    return done(Object.assign(new Error(`CSV must be UTF-8, not ${charset} (in a spreadsheet: save as "CSV UTF-8")`), { statusCode: 415 }));
  }
  const text = utf8(body);
  if (text === undefined) return done(Object.assign(new Error('the CSV is not valid UTF-8 (in a spreadsheet: save as "CSV UTF-8")'), { statusCode: 400 }));
  done(null, text);
}
