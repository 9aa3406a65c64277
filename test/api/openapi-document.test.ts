/**
 * The OpenAPI document says what the server does: every operation declares each status it
 * can answer (errors as the shared problem+json schema, successes with their bodies), the
 * import both its media types, and request strings the rules the server enforces on every
 * string (control characters, calendar dates). Then some real answers, taken from the app
 * itself without Temporal, are checked against what their operation declares, and a typed
 * client is generated from the document (openapi-typescript) after Redocly's `struct` rule
 * has checked it against the OpenAPI 3 structure (openapi-typescript's own default lint
 * does not: it lets `content: 7` through).
 */
import { createConfig } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import { beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, bearer, expectProblem, issueToken, useApiFixture } from '../support/api.js';

const f = useApiFixture();
const admin = bearer(ADMIN);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document, walked by the tests below
type Json = Record<string, any>;
let doc: Json;
const PROBLEM_REF = '#/components/schemas/ProblemDetails';

/** Every operation: method, path template, the operation object. */
const operations = () =>
  Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, op: op as Json, name: `${method.toUpperCase()} ${path}` })),
  );

/** The probes: public, no input at all (their query is not checked), answer no 400 or 401. */
const PROBES = new Set(['GET /healthz', 'GET /readyz']);
/** No 401: no token or session is asked for (signing out without a session is fine). */
const PUBLIC = new Set([
  ...PROBES,
  'GET /public-campaigns',
  'POST /campaigns/{id}/public-messages',
  'GET /campaigns/{id}/public-messages/track/{code}',
  'DELETE /session',
]);
/** Public routes that judge a token or a session themselves, and answer 401 when it does not hold (api/session.ts). */
const SELF_AUTHENTICATING = new Set(['POST /session', 'GET /session']);
/** The 403 of every write signed in by the session cookie without `X-CSRF: 1` (api/session.ts `refuseCrossSite`). */
const CROSS_SITE = /X-CSRF: 1/;
/**
 * Routes that answer 404, never 403, to a caller not allowed to see what they name: a 403
 * would tell an outsider that the escalation or the round exists (api/routes/escalations.ts,
 * api/routes/inspections.ts).
 */
const HIDDEN_FROM_OUTSIDERS = new Set([
  'GET /campaigns/{id}/escalations/{escalationId}',
  'GET /campaigns/{id}/inspection-rounds/{roundId}',
  'POST /campaigns/{id}/inspection-rounds/{roundId}/interviews',
  'POST /campaigns/{id}/inspection-rounds/{roundId}/findings',
  'POST /campaigns/{id}/inspection-rounds/{roundId}/issue',
  'POST /campaigns/{id}/inspection-rounds/{roundId}/notice',
]);

/** The schema a `$ref` names, or the schema itself. */
const deref = (schema: Json): Json => (schema.$ref ? doc.components.schemas[(schema.$ref as string).split('/').pop()!] : schema);

/** Every string schema inside a schema, following `$ref`s once each. */
function stringsIn(schema: Json | undefined, at: string, seen = new Set<string>()): { at: string; schema: Json }[] {
  if (!schema || typeof schema !== 'object') return [];
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    seen.add(schema.$ref);
    return stringsIn(deref(schema), `${at}→${schema.$ref}`, seen);
  }
  const found = schema.type === 'string' ? [{ at, schema }] : [];
  const children: [string, Json][] = [
    ...Object.entries((schema.properties ?? {}) as Record<string, Json>).map(([k, v]) => [`${at}.${k}`, v] as [string, Json]),
    ...(schema.items ? [[`${at}[]`, schema.items] as [string, Json]] : []),
    ...['anyOf', 'oneOf', 'allOf'].flatMap((k) => ((schema[k] ?? []) as Json[]).map((s, i) => [`${at}.${k}[${i}]`, s] as [string, Json])),
  ];
  return [...found, ...children.flatMap(([where, s]) => stringsIn(s, where, seen))];
}

beforeAll(async () => {
  const res = await f.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});

describe('every operation declares every status it answers', () => {
  test('a success with its body (or a 204 with none), and each error as the shared problem+json schema', () => {
    expect(operations().length).toBeGreaterThanOrEqual(69);
    expect(doc.components.schemas.ProblemDetails).toMatchObject({ type: 'object', required: expect.arrayContaining(['type', 'title', 'status', 'detail']) });
    for (const { method, path, name, op } of operations()) {
      const statuses = Object.keys(op.responses);
      const successes = statuses.filter((s) => s.startsWith('2'));
      expect(successes.length, name).toBeGreaterThan(0);
      for (const s of successes) {
        if (s === '204') expect(op.responses[s].content, name).toBeUndefined();
        else
          expect(
            Object.values(op.responses[s].content ?? {}).every((m) => (m as Json).schema),
            `${name} ${s}`,
          ).toBe(true);
        expect(op.responses[s].description, `${name} ${s}`).not.toBe('Default Response');
      }
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        expect(op.responses[s].content, `${name} ${s}`).toEqual({ 'application/problem+json': { schema: { $ref: PROBLEM_REF } } });
        expect(op.responses[s].description, `${name} ${s}`).toMatch(/\w/);
      }
      expect(statuses, name).toContain('500');
      if (!PROBES.has(name)) expect(statuses, name).toEqual(expect.arrayContaining(['400', '503']));
      if (!PUBLIC.has(name)) expect(statuses, name).toContain('401');
      else expect(statuses, name).not.toContain('401');
      const write = !['get', 'head'].includes(method);
      // Every write a session cookie can sign may be refused as cross-site; a read only by a rule of its own.
      if (write && (!PUBLIC.has(name) || name === 'DELETE /session') && !SELF_AUTHENTICATING.has(name))
        expect(op.responses['403']?.description, name).toMatch(CROSS_SITE);
      if (!write || SELF_AUTHENTICATING.has(name)) expect(op.responses['403']?.description ?? '', name).not.toMatch(CROSS_SITE);
      // An org outside the caller's subtree is a 404 like an org that does not exist (api/auth.ts requireOrgAccess), never a 403.
      if (/\{orgId\}/.test(path) && !PUBLIC.has(name))
        expect(op.responses['404']?.description, name).toMatch(/outside the caller’s subtree \(answered alike\)/);
      expect(op.responses['403']?.description ?? '', name).not.toMatch(/outside the caller’s subtree/);
      // Those hiding what they name answer no 403 of their own: at most the cross-site refusal, which comes before any handler.
      if (HIDDEN_FROM_OUTSIDERS.has(name) && op.responses['403'])
        expect(op.responses['403'].description, name).toMatch(/^The token may not do this: a request signed in by the session cookie[^;]*$/);
      if (op.requestBody) expect(statuses, name).toEqual(expect.arrayContaining(['413', '415']));
      if (op.parameters?.some((p: Json) => p.in === 'query' && p.name === 'cursor')) expect(op.responses['400'].description, name).toMatch(/cursor/);
      if (op.parameters?.some((p: Json) => p.in === 'header' && p.name === 'idempotency-key') && op.requestBody) {
        expect(op.responses['422']?.description, name).toMatch(/Idempotency-Key/);
      }
    }
  });

  test('the success codes the server really answers', () => {
    expect(Object.keys(doc.paths['/tokens/{id}'].delete.responses)).toContain('204');
    expect(doc.paths['/tokens/{id}'].delete.responses).not.toHaveProperty('200');
    expect(doc.paths['/campaigns'].post.responses).toHaveProperty('201');
    expect(doc.paths['/campaigns/{id}/reports'].post.responses).toHaveProperty('201');
    expect(doc.paths['/campaigns/{id}/reports'].post.responses).toHaveProperty('202');
    expect(doc.paths['/campaigns/{id}/close'].post.responses).toHaveProperty('202');
    expect(doc.paths['/campaigns/{id}/orgs/{orgId}/directives'].post.responses).toHaveProperty('429');
    expect(doc.paths['/campaigns/{id}/orgs/{orgId}/problems.csv'].get.responses['200'].content).toHaveProperty('text/csv');
    // The org actions' answers have a body schema naming what the workflow recorded.
    const plan = doc.paths['/campaigns/{id}/orgs/{orgId}/problems/{problemId}/plan'].post.responses['200'].content['application/json'].schema;
    expect(plan.required).toEqual(expect.arrayContaining(['problemId', 'status', 'deadline']));
  });

  test('the import declares its JSON tree (recursive) and its CSV', () => {
    const content = doc.paths['/orgs/import'].post.requestBody.content;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'text/csv']);
    const tree = deref(content['application/json'].schema);
    expect(tree.required).toEqual(['id', 'level', 'name']);
    expect(tree.properties.children.items).toEqual(content['application/json'].schema);
    expect(tree.properties.level.enum).toEqual(['city', 'district', 'unit', 'branch']);
    expect(content['text/csv'].schema).toMatchObject({ type: 'string', description: expect.stringContaining('id,parentId,level,kind,name') });
  });
});

describe('the rules the server enforces are in the document', () => {
  test('every request string has a pattern, and it is one an ECMAScript (u) and a Python regex both read', () => {
    let checked = 0;
    for (const { name, op } of operations()) {
      const strings = [
        ...((op.parameters ?? []) as Json[]).flatMap((p) => stringsIn(p.schema, `${name} ${p.in}.${p.name}`)),
        ...Object.entries((op.requestBody?.content ?? {}) as Record<string, Json>).flatMap(([media, m]) => stringsIn(m.schema, `${name} body(${media})`)),
      ];
      for (const { at, schema } of strings) {
        if (schema.enum) continue;
        expect(schema.pattern, at).toEqual(expect.any(String));
        expect(() => new RegExp(schema.pattern, 'u'), at).not.toThrow();
        // No \d or \s: Python's `re` (the fuzzer's) reads them as Unicode classes, ECMAScript (the server's) not.
        expect(schema.pattern, at).not.toMatch(/(?<!\\)\\[ds]/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    const label = doc.paths['/tokens'].post.requestBody.content['application/json'].schema.properties.label;
    const printable = new RegExp(label.pattern, 'u');
    expect(printable.test('支部书记 𠀀')).toBe(true);
    expect(printable.test('a\tb\r\nc')).toBe(true);
    for (const bad of ['a\u0000b', 'a\u000bb', '\u007f', '\u0085']) expect(printable.test(bad), JSON.stringify(bad)).toBe(false);
    // Lone surrogates are refused by the server but left out of the pattern, which Schemathesis drops whole when it holds their range (api/openapi.ts).
    expect(label.pattern).not.toMatch(/D800/i);
    expect(printable.test('   ')).toBe(false); // trimmed, then at least one character
    // An untrimmed id is not held to that: the schema takes " " (and the org is then not found).
    const rootOrgId = doc.paths['/campaigns'].post.requestBody.content['application/json'].schema.properties.rootOrgId;
    expect(new RegExp(rootOrgId.pattern, 'u').test(' ')).toBe(true);
    // A pattern of the field's own that lets C1 controls and blanks through gets the rule beside it.
    const text = doc.paths['/campaigns/{id}/public-messages'].post.requestBody.content['application/json'].schema.properties.text;
    const rules = [text.pattern, ...text.allOf.map((a: Json) => a.pattern)].map((p: string) => new RegExp(p, 'u'));
    for (const bad of ['\u0085', '  '])
      expect(
        rules.every((r) => r.test(bad)),
        JSON.stringify(bad),
      ).toBe(false);
    expect(rules.every((r) => r.test('路灯坏了 🎉'))).toBe(true);
  });

  test('a calendar date is a format and a pattern that refuse what the server refuses', () => {
    const startsOn = doc.paths['/campaigns'].post.requestBody.content['application/json'].schema.properties.startsOn;
    expect(startsOn.format).toBe('date');
    const date = new RegExp(startsOn.pattern, 'u');
    for (const ok of ['2019-09-01', '2020-02-29', '2000-02-29', '9999-12-31']) expect(date.test(ok), ok).toBe(true);
    for (const bad of ['0000-00-00', '2019-02-29', '1900-02-29', '2019-02-30', '2019-13-01', '2019-9-1']) expect(date.test(bad), bad).toBe(false);
    const deadline = doc.paths['/campaigns/{id}/orgs/{orgId}/directives'].post.requestBody.content['application/json'].schema.properties.deadline;
    expect(deadline.anyOf.map((s: Json) => s.format)).toEqual(['date', 'date-time']);
  });

  test('cross-field rules: as JSON Schema where it can say them, in words where it cannot', () => {
    const body = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;
    expect(body('/campaigns/{id}/orgs/{orgId}/problems/{problemId}/escalation').oneOf).toEqual([{ required: ['targetOrgId'] }, { required: ['targetLevel'] }]);
    expect(body('/campaigns/{id}/orgs/{orgId}/escalations/{escalationId}/claim').not).toEqual({ required: ['problemId', 'intoProblemId'] });
    expect(body('/campaigns/{id}/orgs/{orgId}/directives').anyOf).toHaveLength(2);
    expect(body('/tokens').oneOf).toHaveLength(2);
    expect(body('/campaigns').description).toMatch(/endsOn.*startsOn/);
    const cursor = doc.paths['/tokens'].get.parameters.find((p: Json) => p.name === 'cursor');
    expect(cursor.description).toMatch(/nextCursor/);
    expect(new RegExp(cursor.schema.pattern, 'u').test('bm90LWpzb24')).toBe(true);
    expect(new RegExp(cursor.schema.pattern, 'u').test('a cursor?')).toBe(false);
  });
});

describe('what the server answers is what its operation declares', () => {
  test('refusals and successes from the app, each a status its operation documents', async () => {
    const secretary = bearer(await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1' }));
    const declared = (method: string, path: string) => Object.keys(doc.paths[path][method].responses).map(Number);
    const cases: [string, string, Awaited<ReturnType<typeof f.app.inject>>][] = [
      ['get', '/tokens', await f.app.inject({ method: 'GET', url: '/tokens' })],
      ['get', '/tokens', await f.app.inject({ method: 'GET', url: '/tokens', headers: secretary })],
      ['get', '/tokens', await f.app.inject({ method: 'GET', url: '/tokens?cursor=bm90LWpzb24', headers: admin })],
      ['get', '/tokens', await f.app.inject({ method: 'GET', url: '/tokens?cursor=not%20base64', headers: admin })],
      ['get', '/orgs/{id}', await f.app.inject({ method: 'GET', url: '/orgs/nope', headers: admin })],
      ['post', '/orgs/import', await f.app.inject({ method: 'POST', url: '/orgs/import', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'x' })],
      ['post', '/orgs/import', await f.app.inject({ method: 'POST', url: '/orgs/import', headers: admin, payload: { id: 'x', level: 'galaxy', name: '' } })],
      ['post', '/campaigns', await f.app.inject({ method: 'POST', url: '/campaigns', headers: admin, payload: { id: 'c', name: 'x'.repeat(2_000_000) } })],
      [
        'post',
        '/campaigns',
        await f.app.inject({
          method: 'POST',
          url: '/campaigns',
          headers: admin,
          payload: { id: 'c', name: 'n', batch: 1, rootOrgId: 'tj', phaseMode: 'integrated', startsOn: '0000-00-00', endsOn: '2019-01-01' },
        }),
      ],
    ];
    const issued = await f.app.inject({ method: 'POST', url: '/tokens', headers: admin, payload: { role: 'inspector', orgId: 'tj', label: 'doc' } });
    cases.push(['post', '/tokens', issued]);
    cases.push(['delete', '/tokens/{id}', await f.app.inject({ method: 'DELETE', url: `/tokens/${issued.json().id}`, headers: admin })]);
    cases.push([
      'delete',
      '/tokens/{id}',
      await f.app.inject({ method: 'DELETE', url: `/tokens/${issued.json().id}`, headers: { ...admin, 'content-type': 'application/xml' }, payload: '<why/>' }),
    ]);
    const key = crypto.randomUUID();
    await f.app.inject({
      method: 'POST',
      url: '/tokens',
      headers: { ...admin, 'idempotency-key': key },
      payload: { role: 'inspector', orgId: 'tj', label: 'one' },
    });
    cases.push([
      'post',
      '/tokens',
      await f.app.inject({
        method: 'POST',
        url: '/tokens',
        headers: { ...admin, 'idempotency-key': key },
        payload: { role: 'inspector', orgId: 'tj', label: 'two' },
      }),
    ]);

    expect(cases.map(([, , res]) => res.statusCode)).toEqual([401, 403, 400, 400, 404, 415, 422, 413, 400, 201, 204, 415, 422]);
    for (const [method, path, res] of cases) {
      expect(declared(method, path), `${method} ${path} answered ${res.statusCode}`).toContain(res.statusCode);
      if (res.statusCode >= 400) expectProblem(res, res.statusCode);
    }
    expect(expectProblem(cases[8]![2], 400).errors).toEqual([expect.objectContaining({ path: 'body.startsOn', message: 'not a calendar date' })]);
  });
});

describe('a valid OpenAPI 3 document, from which a client types every error', () => {
  test('Redocly finds no structural error; openapi-typescript types each problem answer', async () => {
    const redocly = await createConfig({ rules: { struct: 'error', 'operation-operationId-unique': 'error' } } as never);
    const broken = structuredClone(doc);
    broken.paths['/tokens'].post.responses['201'] = { content: 7 };
    await expect(openapiTS(broken as never, { silent: true, redocly })).rejects.toThrow(/MediaTypesMap/);
    const types = astToString(await openapiTS(doc as never, { silent: true, redocly }));
    expect(types).toContain('ProblemDetails: {');
    // DELETE /tokens/{id}: its 204 and its refusals, each typed.
    const revoke = types.slice(types.indexOf('"/tokens/{id}"'));
    expect(revoke).toMatch(/204: \{\s*headers: \{[^}]*\};\s*content\?: never;/);
    expect(types.match(/"application\/problem\+json": components\["schemas"\]\["ProblemDetails"\]/g)!.length).toBeGreaterThan(500);
  });
});
