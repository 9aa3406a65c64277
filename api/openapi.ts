/**
 * What the OpenAPI document (`/openapi.json`) says beyond each route's params, query and
 * body: every status a route can answer, each error as the shared `ProblemDetails`
 * schema, and the rules the server enforces that a zod schema alone does not put into
 * JSON Schema (control characters, calendar dates, cursors).
 *
 * Each route declares its own answers with {@link responses}: its success bodies and the
 * refusals it can really make, each with when. A generic default added to every route
 * (an `onRoute` hook) was the alternative; it would document a 404 on `GET /tokens` and a
 * 403 on routes that answer 404 to outsiders on purpose (an escalation's chain, a spot
 * check's round), so a client generated from it would type errors that never come.
 *
 * The declared schemas are enforced: fastify-type-provider-zod serialises every answer
 * through the schema of its status and media type, and one that does not fit becomes a
 * 500. So `ProblemDetails` is loose (a problem carries extra members: `currentStatus`,
 * `requestId`, `workflowId`, `checks`, the 429's `cap` …) and success schemas that pass
 * read-model rows through are loose objects naming the fields a client needs.
 *
 * @example
 * app.get('/things/:id', { schema: { params, response: responses({ 200: ok(Thing, 'the thing') }, { 403: 'not in the caller’s subtree', 404: 'no such thing' }) } }, handler);
 */
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** One failing field: `path` as the caller sent it (`body.rules.minStudyDays`); an import's errors name the CSV `row` or JSON path, and the `field`. */
const FieldError = z.looseObject({
  path: z
    .string()
    .optional()
    .describe(
      'where, as sent: `body.rules.minStudyDays`, `querystring.cursor`, `headers.idempotency-key`; a JSON import names the tree path (`children[3].name`)',
    ),
  row: z.number().int().optional().describe('an import’s CSV row'),
  field: z.string().optional().describe('an import’s field (`id`, `parentId`, `level`, `kind`, `name`)'),
  message: z.string(),
});

/** RFC 9457 problem details, the body of every error this API answers (`application/problem+json`). */
export const ProblemDetails = z
  .looseObject({
    type: z.string().describe('always `about:blank`: the status and title say what happened'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('what was wrong, in words; for 400 every failing field as `path: message`'),
    errors: z.array(FieldError).optional().describe('each failing field (400, 422)'),
    requestId: z.string().optional().describe('500 only: the id the error was logged under'),
    currentStatus: z.string().optional().describe('409: the state the request clashed with, where there is one'),
  })
  .meta({
    id: 'ProblemDetails',
    description:
      'An RFC 9457 problem. Other members may follow, by status: `workflowId` (409), `checks` (503 from /readyz), the cap and week of a 429 over an information-request cap; `waitingFor` `{ orgId, name, level, mobilised }` on the 409 to a command for an org the cascade has not reached and on the 404 of an org’s progress read (`GET /campaigns/{id}/orgs/{orgId}`) for such an org: the nearest ancestor in the campaign whose workflow has started (`mobilised` false: it has not held its mobilisation meeting; true: the cascade below it is under way).',
  });

/**
 * A time as PostgreSQL gives it: a `Date` from a timestamptz column, or an ISO string
 * where a handler already formatted it. Either serialises to an ISO 8601 date-time.
 */
export const Timestamp = z
  .custom<Date | string>((v) => v instanceof Date || typeof v === 'string', 'a timestamp')
  .meta({ type: 'string', format: 'date-time' } as never);

/** `{ items, nextCursor }`: a page of a list. */
export const PageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('the `cursor` for the next page; null on the last page') });

/** What a success status answers: its description and its body, by media type (none for a 204). */
interface Answer {
  description: string;
  content?: Record<string, { schema: z.ZodType }>;
}

/** A success with a JSON body. */
export const ok = (schema: z.ZodType, description: string): Answer => ({ description, content: { 'application/json': { schema } } });
/** A success with a body of another media type (a CSV, an HTML page): a string. */
export const okAs = (mediaType: string, description: string): Answer => ({ description, content: { [mediaType]: { schema: z.string() } } });
/**
 * A success without a body (204). The zod schema is there for the type provider; the
 * document says no content ({@link openapiTransform} turns it into `type: null`).
 */
export const noContent = (description: string) => z.null().describe(description);

type ErrorStatus = 403 | 404 | 409 | 422 | 429;

export interface RouteRefusals extends Partial<Record<ErrorStatus, string>> {
  /** No token needed (and none checked): no 401, unless `unauthorized` says when the route answers one itself. */
  public?: boolean;
  /** A public route that judges a token or session itself (`POST /session`, `GET /session`): its 401, and when. */
  unauthorized?: string;
  /** The route reads a request body: 413 and 415 are possible; the limit is named in the 413. */
  body?: { limit: string };
  /** The route sends Temporal a command or starts a workflow: a 503 also when Temporal does not answer. */
  temporal?: boolean;
  /** What else makes a 400 (a cross-field rule, a cursor not from this API …). */
  badRequest?: string;
  /** The route takes no input at all (the probes: no parameters, and their query is not checked): no 400. */
  noInput?: boolean;
  /** Replaces the 503's description (the readiness probe's 503 is its answer, not an outage of its own). */
  unavailable?: string;
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemDetails } } });

/**
 * A route's `response` map: its successes as given, and the problems it can answer. 400
 * (a malformed or invalid field), 500 and 503 (the database unreachable; and Temporal,
 * for workflow routes) are every route's; 401 every route's but the public ones; 413 and
 * 415 those with a body; 403, 404, 409, 422 and 429 only where the route says when.
 * 405 (wrong method), 408 and 431 are answered before any route and are not per operation.
 */
export function responses(success: Record<number, Answer | z.ZodType>, refusals: RouteRefusals) {
  const map: Record<number, unknown> = { ...success };
  if (!refusals.noInput)
    map[400] = problem(
      `A malformed request: a path or query parameter, header or body field that does not fit its schema, an unknown field or query parameter, a control character or lone surrogate in any string (\`errors\` names each field).${refusals.badRequest ? ` ${refusals.badRequest}` : ''}`,
    );
  if (refusals.unauthorized) map[401] = problem(refusals.unauthorized);
  else if (!refusals.public)
    map[401] = problem('No bearer token, or one that is unknown, expired or revoked, or whose org an import removed (with `WWW-Authenticate: Bearer`).');
  if (refusals[403]) map[403] = problem(`The token may not do this: ${refusals[403]}`);
  if (refusals[404]) map[404] = problem(`Not found: ${refusals[404]}`);
  if (refusals[409]) map[409] = problem(`Clashes with the current state: ${refusals[409]}`);
  if (refusals.body) {
    map[413] = problem(`The body is larger than ${refusals.body.limit}.`);
    map[415] = problem('The body is not of a media type this route reads (or a CSV is not UTF-8).');
  }
  if (refusals[422]) map[422] = problem(`Well formed but refused by a rule: ${refusals[422]}`);
  if (refusals[429]) map[429] = problem(`${refusals[429]} (with \`Retry-After\`, in seconds).`);
  map[500] = problem('Something went wrong on our side; `requestId` names the log entry.');
  map[503] = problem(
    refusals.unavailable ??
      (refusals.temporal
        ? 'The database or Temporal is unavailable, or the workflow did not answer in time (with `Retry-After` for the database); send the request again (with the same `Idempotency-Key`, where the route takes one).'
        : 'The database is unavailable (with `Retry-After`); try again shortly.'),
  );
  return map;
}

/**
 * The 404 of a route that reads or acts on an org in its path: for a non-admin, an org outside
 * its subtree is answered exactly as one that does not exist (api/auth.ts `requireOrgAccess`).
 */
export const ORG_404 = 'no such org, or one outside the caller’s subtree (answered alike)';

/** What a reused `Idempotency-Key` with a different request answers, for routes that take one. */
export const IDEMPOTENCY_KEY_REUSED = 'the `Idempotency-Key` was first used with a different request (use a new key for a new request)';

/**
 * Control characters (but tab, line feed and carriage return), which `api/app.ts` refuses in
 * every path and query parameter and JSON body string and key. Written with `\uXXXX`
 * escapes, which ECMAScript and Python's `re` both read (Schemathesis is a Python fuzzer).
 *
 * Lone surrogates are refused too, but the pattern leaves them out: Schemathesis (4.32)
 * cannot generate from a class holding the surrogate range and drops such a pattern
 * altogether, and then sends the C1 controls the pattern forbids (measured: 31 operations
 * refused its "valid" strings). Its generator never makes a lone surrogate, and the shared
 * 400 description states the rule in words; JSON Schema has no better way to say it.
 */
const UNPRINTABLE_CLASS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F';
export const PRINTABLE = `^[^${UNPRINTABLE_CLASS}]*$`;
/**
 * What ECMAScript's `trim` removes (white space and line terminators), spelt out: `\s` means
 * other sets in Python's `re` (no U+FEFF) and a fuzzer reading the pattern there would take a
 * value the server trims to nothing. The control characters among them are refused anyway.
 */
const WHITE_SPACE = '\\t\\n\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';
/**
 * {@link PRINTABLE} with at least one character that is not white space: for the text
 * fields trimmed before their `min(1)` (a name of three spaces is refused as empty), which
 * `minLength` alone does not say. Only those: an untrimmed id (`orgId: " "`) passes the
 * schema and is then not found, and the document must not refuse what the schema takes.
 */
export const NON_BLANK = `^[^${UNPRINTABLE_CLASS}]*[^${WHITE_SPACE}${UNPRINTABLE_CLASS}][^${UNPRINTABLE_CLASS}]*$`;

/** How `IsoDate` (domain/campaign.ts) appears without the calendar check, which lives in a refine. */
const ISO_DATE_SHAPE = '^\\d{4}-\\d{2}-\\d{2}$';
/**
 * zod's own calendar-date pattern (leap years included): the same dates as `IsoDate`'s
 * refine accepts (a date `new Date` reads back unchanged, years 0000 to 9999), so the
 * document refuses `0000-00-00` and `2019-02-30` as the server does.
 */
const CALENDAR_DATE = (z.toJSONSchema(z.iso.date()) as { pattern: string }).pattern.replace(/\\d/g, '[0-9]');

type Json = Record<string, unknown>;

/** Every schema object inside a JSON schema (properties, items, combinators), the schema itself first. */
function* schemasIn(schema: unknown): Generator<Json> {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  yield s;
  for (const key of ['items', 'additionalProperties', 'not']) yield* schemasIn(s[key]);
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(s[key])) for (const sub of s[key] as unknown[]) yield* schemasIn(sub);
  if (s.properties && typeof s.properties === 'object') for (const sub of Object.values(s.properties as Json)) yield* schemasIn(sub);
}

/** The marker {@link markTrimmed} leaves on a string schema, read and removed by {@link stateStringRules}. */
const TRIMMED = 'x-trimmed';

/**
 * Marks (in zod's global registry, which the JSON Schema conversion reads metadata from)
 * every string of a request schema that zod trims before checking it (`.trim()`, an
 * overwrite check): JSON Schema cannot say "trimmed", so {@link stateStringRules} gives
 * those the {@link NON_BLANK} pattern. The walk follows the wrappers the routes use.
 */
function markTrimmed(schema: unknown, seen = new Set<unknown>()): void {
  if (!(schema instanceof z.ZodType) || seen.has(schema)) return;
  seen.add(schema);
  const def = schema._zod.def as unknown as Json & { type: string; checks?: { _zod: { def: { check: string; tx?: (v: string) => string } } }[] };
  if (def.type === 'string') {
    const trims = def.checks?.some((c) => c._zod.def.check === 'overwrite' && c._zod.def.tx?.(' x ') === 'x');
    if (trims) z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), [TRIMMED]: true });
    return;
  }
  const next = (v: unknown) => markTrimmed(v, seen);
  if (def.type === 'object') Object.values(def.shape as Json).forEach(next);
  if (def.type === 'lazy') next((def.getter as () => unknown)());
  for (const key of ['innerType', 'element', 'in', 'out', 'left', 'right', 'valueType']) next(def[key]);
  for (const key of ['options', 'items']) if (Array.isArray(def[key])) (def[key] as unknown[]).forEach(next);
}

/** States in a request schema what the server enforces on every string: calendar dates, no control characters. */
function stateStringRules(schema: unknown): void {
  for (const s of schemasIn(schema)) {
    const trimmed = s[TRIMMED] === true;
    delete s[TRIMMED];
    if (s.type !== 'string' || s.enum !== undefined) continue;
    if (s.pattern === ISO_DATE_SHAPE) {
      s.pattern = CALENDAR_DATE;
      s.format = 'date';
      s.description = [s.description, 'A calendar date, YYYY-MM-DD (`0000-00-00` or `2019-02-30` is refused: not a calendar date).'].filter(Boolean).join(' ');
      continue;
    }
    // `\d` is ASCII digits in ECMAScript but any Unicode digit in Python's `re` (Schemathesis would
    // send Arabic-Indic digits as a valid date-time): the digits the server means, spelt out.
    if (typeof s.pattern === 'string') s.pattern = s.pattern.replace(/(?<!\\)\\d/g, '[0-9]');
    if (s.pattern === undefined) {
      s.pattern = trimmed && typeof s.minLength === 'number' && s.minLength > 0 ? NON_BLANK : PRINTABLE;
    } else {
      // A pattern of its own that lets through what the server refuses anyway (a public
      // message's fields refuse C0 controls themselves; C1 and lone surrogates are refused for
      // every string, blanks after trimming): the rule is added beside it, as JSON Schema 3.0
      // has one pattern a schema.
      const own = new RegExp(s.pattern as string, 'u');
      const rule =
        trimmed && typeof s.minLength === 'number' && s.minLength > 0 && own.test('   ')
          ? NON_BLANK
          : ['\u0085', '\ud800', '\u0000'].some((c) => own.test(c))
            ? PRINTABLE
            : undefined;
      if (rule) s.allOf = [...((s.allOf as unknown[] | undefined) ?? []), { pattern: rule }];
    }
  }
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The swagger `transform`: fastify-type-provider-zod's, plus what it cannot do. A body
 * declared per media type (`{ content: { 'application/json': { schema }, 'text/csv': … } }`,
 * the org import) is converted one media type at a time; a 204 documents no content.
 */
export function openapiTransform(given: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const input = withCrossSiteRefusal(given);
  const schema = input.schema as Json | undefined;
  for (const part of ['body', 'querystring', 'params', 'headers']) {
    const content = (schema?.[part] as { content?: Record<string, { schema: unknown }> } | undefined)?.content;
    if (content) Object.values(content).forEach((m) => markTrimmed(m.schema));
    else markTrimmed(schema?.[part]);
  }
  const body = schema?.body as { content?: Record<string, { schema: z.ZodType }> } | undefined;
  if (!schema || !body?.content) return withoutBody(jsonSchemaTransform(input));
  const { body: _body, ...rest } = schema;
  const result = jsonSchemaTransform({ ...input, schema: rest });
  const content: Record<string, { schema: unknown }> = {};
  for (const [mediaType, { schema: media }] of Object.entries(body.content)) {
    const converted = jsonSchemaTransform({ ...input, schema: { body: media } }).schema as Json;
    content[mediaType] = { schema: converted.body };
  }
  return withoutBody({ ...result, schema: { ...(result.schema as Json), body: { content } } });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** api/session.ts `refuseCrossSite`, which the authentication hook runs on every cookie-signed request. */
const CROSS_SITE =
  'a request signed in by the session cookie (not a bearer token) that changes something must carry `X-CSRF: 1` and, when it sends an `Origin`, this server’s own (a cross-site write is refused)';

/**
 * The 403 every authenticated write can answer, whatever the route: the console's session
 * cookie stands in for a bearer token on every route (api/app.ts), and a cookie-signed
 * request with an unsafe method is refused before any handler runs unless it carries
 * `X-CSRF: 1` from this server's own origin. Added to the document here, beside the route's
 * own 403 where it has one, rather than repeated in every route's {@link responses}: a
 * route authenticated by the hook declares a 401, a public one (`security: []`) does not
 * pass through it. The route's own schema is not changed.
 */
function withCrossSiteRefusal(input: TransformInput): TransformInput {
  const schema = input.schema as Json | undefined;
  const response = schema?.response as Record<string, Answer> | undefined;
  const methods = [input.route?.method ?? []].flat() as string[];
  const isPublic = Array.isArray(schema?.security) && (schema.security as unknown[]).length === 0;
  if (!response?.['401'] || isPublic || methods.length === 0 || methods.every((m) => SAFE_METHODS.has(m))) return input;
  const own = response['403']?.description;
  const refusal = problem(own ? `${own}; or ${CROSS_SITE}` : `The token may not do this: ${CROSS_SITE}.`);
  return { ...input, schema: { ...schema, response: { ...response, 403: refusal } } };
}

/** A 204 has no content: `type: 'null'` is how @fastify/swagger is told so. */
function withoutBody(result: ReturnType<typeof jsonSchemaTransform>): ReturnType<typeof jsonSchemaTransform> {
  const response = (result.schema as Json | undefined)?.response as Record<string, Json> | undefined;
  if (response?.[204]) response[204] = { type: 'null', description: response[204].description ?? 'No content' };
  return result;
}

type TransformObjectInput = Parameters<typeof jsonSchemaTransformObject>[0];

/**
 * The swagger `transformObject`: the components from the zod registry (`ProblemDetails`,
 * the org import's recursive tree) and, on every request parameter and body, the string
 * rules of {@link stateStringRules}. Responses are left as the schemas say: a problem's
 * `detail` may quote a refused key, control characters and all. Components the document
 * does not reference (the registry's other input or output twin) are dropped.
 */
export function openapiTransformObject(input: TransformObjectInput): ReturnType<typeof jsonSchemaTransformObject> {
  const doc = jsonSchemaTransformObject(input) as unknown as Json & {
    paths?: Record<string, Record<string, Json>>;
    components?: { schemas?: Record<string, unknown> };
  };
  const components = doc.components?.schemas ?? {};
  const requestRefs = new Set<string>();
  const visitRequest = (schema: unknown) => {
    stateStringRules(schema);
    for (const ref of JSON.stringify(schema ?? null).matchAll(/#\/components\/schemas\/([^"]+)/g)) requestRefs.add(ref[1]!);
  };
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const parameter of (operation.parameters as Json[] | undefined) ?? []) visitRequest(parameter.schema);
      for (const media of Object.values(((operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined) ?? {}))
        visitRequest(media.schema);
    }
  }
  for (const name of requestRefs) stateStringRules(components[name]);
  // A trimmed string shared with a response schema (a PUT answering its body) carries the marker there too.
  const unmark = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    delete (node as Json)[TRIMMED];
    Object.values(node as Json).forEach(unmark);
  };
  unmark(doc.paths);
  unmark(components);
  const used = JSON.stringify(doc.paths);
  const referenced = (name: string) =>
    used.includes(`#/components/schemas/${name}"`) ||
    Object.entries(components).some(([other, s]) => other !== name && JSON.stringify(s).includes(`#/components/schemas/${name}"`));
  for (const name of Object.keys(components)) if (!referenced(name)) delete components[name];
  return doc;
}
