/**
 * The org directory through the routes, without Temporal: imports as JSON and as CSV,
 * every error at once, the diff an import reports, refusal under a running campaign,
 * keyset paging, who may read what, and the time a 40,000-org import takes.
 */
import { describe, expect, test } from 'vitest';
import { generateTree, randomTree, type FlatOrg } from '../../domain/generate-tree.js';
import type { OrgTreeNode } from '../../domain/org-tree.js';
import { ADMIN, bearer, csvOf, expectProblem, importTree, issueToken, useApiFixture } from '../support/api.js';

const f = useApiFixture();
const admin = bearer(ADMIN);

const postCsv = (text: string, headers = admin) =>
  f.app.inject({ method: 'POST', url: '/orgs/import', headers: { ...headers, 'content-type': 'text/csv' }, payload: text });
const postJson = (tree: unknown, headers = admin) => f.app.inject({ method: 'POST', url: '/orgs/import', headers, payload: tree as object });
const get = (url: string, headers = admin) => f.app.inject({ method: 'GET', url, headers });

/** The flat tree nested, as the JSON form takes it. */
function nest(orgs: readonly FlatOrg[]): OrgTreeNode {
  const nodes = new Map(orgs.map((o) => [o.id, { id: o.id, level: o.level, kind: o.kind, name: o.name, children: [] as OrgTreeNode[] }]));
  for (const o of orgs) if (o.parentId) nodes.get(o.parentId)!.children.push(nodes.get(o.id)!);
  return nodes.get(orgs[0]!.id)!;
}

async function pageThrough(url: string, limit: number, from: string | null = null): Promise<{ id: string; path: string }[]> {
  const seen: { id: string; path: string }[] = [];
  let cursor = from;
  do {
    const res = await get(`${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    const page = res.json<{ items: { id: string; path: string }[]; nextCursor: string | null }>();
    seen.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

describe('importing', () => {
  test('a 300-org tree as CSV (BOM, CRLF, quoted Chinese names), then the same tree as JSON changes nothing', async () => {
    const tree = randomTree(300, 7, 'rt').map((o, i) => (i === 1 ? { ...o, name: '河西区, "新"区' } : o));
    expect(await importTree(f.app, tree)).toEqual({ root: 'rt', created: 300, updated: 0, moved: 0, removed: 0, unchanged: 0 });
    expect((await get(`/orgs/${tree[1]!.id}`)).json()).toMatchObject({ name: '河西区, "新"区', parent_id: 'rt', path: `/rt/${tree[1]!.id}/`, depth: 1 });
    expect((await get('/orgs/rt')).json()).toMatchObject({ subtreeSize: 300, parent_id: null, depth: 0 });
    expect(await importTree(f.app, nest(tree))).toEqual({ root: 'rt', created: 0, updated: 0, moved: 0, removed: 0, unchanged: 300 });
    expect(await importTree(f.app, tree)).toMatchObject({ unchanged: 300 });
  });

  test('an import reports what it created, updated, moved and removed, and recomputes the paths of a moved subtree', async () => {
    const base: FlatOrg[] = [
      { id: 'mv', parentId: null, level: 'city', kind: 'city', name: '天津市' },
      { id: 'mv-hx', parentId: 'mv', level: 'district', kind: 'district', name: '河西区' },
      { id: 'mv-nk', parentId: 'mv', level: 'district', kind: 'university', name: '南开大学' },
      { id: 'mv-u1', parentId: 'mv-hx', level: 'unit', kind: '街道', name: '友谊路街道' },
      { id: 'mv-u1-b1', parentId: 'mv-u1', level: 'branch', kind: '社区党支部', name: '第一党支部' },
      { id: 'mv-u2', parentId: 'mv-hx', level: 'unit', kind: '街道', name: '越秀路街道' },
    ];
    await importTree(f.app, base);
    const next = base
      .filter((o) => o.id !== 'mv-u2')
      .map((o) => (o.id === 'mv-u1' ? { ...o, parentId: 'mv-nk' } : o.id === 'mv-nk' ? { ...o, name: '天津大学' } : o))
      .concat([{ id: 'mv-b9', parentId: 'mv-hx', level: 'branch', kind: '机关党支部', name: '第三党支部' }]);
    expect(await importTree(f.app, next)).toEqual({ root: 'mv', created: 1, updated: 1, moved: 1, removed: 1, unchanged: 3 });
    expect((await get('/orgs/mv-u1-b1')).json()).toMatchObject({ path: '/mv/mv-nk/mv-u1/mv-u1-b1/', depth: 3 });
    expectProblem(await get('/orgs/mv-u2'), 404);
    expect((await get('/orgs/mv-nk')).json()).toMatchObject({ name: '天津大学', kind: 'university', childCount: 1, subtreeSize: 3 });
  });

  test('a CSV with five different errors gets five errors, each { path, message } naming its row and column; nothing is stored', async () => {
    const res = await postCsv(
      [
        '\uFEFFid,parentId,level,kind,name',
        'e5,,city,,天津市', // row 2: fine
        'e5-d,e5,district,,"  "', // row 3: empty name
        'e5 d2,e5,district,,河东区', // row 4: bad id
        'e5-u,e5-d,county,,某县', // row 5: unknown level
        'e5-x,e5-u9,branch,,孤儿支部', // row 6: unknown parent
        'e5-d,e5,district,,重复', // row 7: duplicate id
      ].join('\r\n'),
    );
    const problem = expectProblem(res, 422);
    // The one error shape of the whole API: { path, message }, nothing else.
    expect(problem.errors!.every((e) => Object.keys(e).sort().join() === 'message,path')).toBe(true);
    expect(problem.errors!.map((e) => e.path).sort()).toEqual(['row 3.name', 'row 4.id', 'row 5.level', 'row 6.parentId', 'row 7.id']);
    expect(problem.errors!.find((e) => e.path === 'row 7.id')!.message).toMatch(/first at row 3/);
    expectProblem(await get('/orgs/e5'), 404);
  });

  test('JSON errors name their path down to the field, unknown fields included', async () => {
    const tree = {
      id: 'js',
      level: 'city',
      name: '天津市',
      children: [
        { id: 'js-a', level: 'district', name: '河西区', colour: 'red' },
        {
          id: 'js-b',
          level: 'district',
          name: '南开区',
          children: [
            { id: 'js-b-1', level: 'district', name: 'x'.repeat(201) },
            { id: 'js-b-2', level: 'unit', name: 42 },
          ],
        },
      ],
    };
    const problem = expectProblem(await postJson(tree), 422);
    expect(problem.errors).toEqual([
      { path: 'body.children[0].colour', message: 'unknown field colour' },
      { path: 'body.children[1].children[1].name', message: expect.any(String) },
    ]);
    delete (tree.children[0] as { colour?: string }).colour;
    (tree.children[1]!.children![1] as { name: unknown }).name = '第三党支部';
    expect(expectProblem(await postJson(tree), 422).errors!.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'body.children[1].children[0].name: at most 200 characters',
      expect.stringMatching(/^body\.children\[1\]\.children\[0\]\.level: a district cannot sit under a district/),
    ]);
  });

  test('absurd bodies are refused as problems, never a 500', async () => {
    const deep = `${'{"id":"d","level":"branch","name":"层","children":['.repeat(50_000)}{"id":"d","level":"branch","name":"底"}${']}'.repeat(50_000)}`;
    const tooDeep = await f.app.inject({ method: 'POST', url: '/orgs/import', headers: { ...admin, 'content-type': 'application/json' }, payload: deep });
    expect(expectProblem(tooDeep, 422).errors![0]!.message).toMatch(/deep/);
    expectProblem(await postJson([1, 2, 3]), 422);
    expectProblem(await postCsv('id,parentId,level,kind,name\r\n"unterminated,,city,,市\r\n'), 422);
    expect(expectProblem(await postCsv('name,id\r\nx,y\r\n'), 422).errors).toEqual([
      { path: 'row 1', message: 'the header must be id,parentId,level,kind,name' },
    ]);
    expectProblem(
      await f.app.inject({ method: 'POST', url: '/orgs/import', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"id":' }),
      400,
    );
    expectProblem(await f.app.inject({ method: 'POST', url: '/orgs/import', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'id' }), 415);
  });

  test('moving or removing under a running or closing campaign is refused with the list; nothing changes', async () => {
    const tree: FlatOrg[] = [
      { id: 'rc', parentId: null, level: 'city', kind: 'city', name: '德州市' },
      { id: 'rc-a', parentId: 'rc', level: 'district', kind: 'district', name: '德城区' },
      { id: 'rc-a-u', parentId: 'rc-a', level: 'unit', kind: '局', name: '教育局' },
      { id: 'rc-a-u-b', parentId: 'rc-a-u', level: 'branch', kind: '机关党支部', name: '机关第一党支部' },
      { id: 'rc-b', parentId: 'rc', level: 'district', kind: 'district', name: '陵城区' },
      { id: 'rc-b-u', parentId: 'rc-b', level: 'unit', kind: '镇', name: '临齐街道' },
    ];
    await importTree(f.app, tree);
    await f.db.kysely
      .insertInto('rm_campaigns')
      .values({
        id: 'rc-2019',
        name: '主题教育',
        batch: 2,
        root_org_id: 'rc-a',
        phase_mode: 'integrated',
        rules: '{}',
        starts_on: '2019-09-01',
        ends_on: '2099-01-01',
        status: 'closing',
        started_at: new Date(),
        ended_at: null,
        summary: null,
      })
      .execute();
    // Moving rc-a-u out of the campaign's district, and rc-b-u into it.
    const moved = tree.map((o) => (o.id === 'rc-a-u' ? { ...o, parentId: 'rc-b' } : o.id === 'rc-b-u' ? { ...o, parentId: 'rc-a' } : o));
    const refused = expectProblem(await postCsv(csvOf(moved)), 409);
    expect(refused).toMatchObject({ affectedTotal: 3, campaigns: ['rc-2019'] });
    expect((refused.affectedOrgs as string[]).sort()).toEqual(['rc-a-u', 'rc-a-u-b', 'rc-b-u']);
    expect(expectProblem(await postCsv(csvOf(tree.filter((o) => o.id !== 'rc-a-u-b'))), 409).affectedOrgs).toEqual(['rc-a-u-b']);
    expect((await get('/orgs/rc-a-u')).json()).toMatchObject({ parent_id: 'rc-a', path: '/rc/rc-a/rc-a-u/' });

    // Renaming and adding under the campaign, and anything outside it, are fine.
    const renamed = tree
      .map((o) => (o.id === 'rc-a-u' ? { ...o, name: '德城区教育和体育局' } : o))
      .concat([{ id: 'rc-a-u-b2', parentId: 'rc-a-u', level: 'branch', kind: '机关党支部', name: '机关第二党支部' }]);
    expect(
      await importTree(
        f.app,
        renamed.filter((o) => o.id !== 'rc-b-u'),
      ),
    ).toMatchObject({ created: 1, updated: 1, removed: 1 });
    await f.db.kysely.updateTable('rm_campaigns').set({ status: 'completed' }).where('id', '=', 'rc-2019').execute();
    expect(
      await importTree(
        f.app,
        moved.filter((o) => o.id !== 'rc-b-u'),
      ),
    ).toMatchObject({ moved: 1 });
  });
});

describe('subtree imports and odd ids', () => {
  test('a nested JSON tree gets paths; the small tree again changes nothing', async () => {
    expect((await postCsv(csvOf(generateTree('small')))).json()).toEqual({ root: 'tj', created: 0, updated: 0, moved: 0, removed: 0, unchanged: 40 });
    const nested = {
      id: 'sd',
      level: 'city',
      name: '德州市',
      children: [{ id: 'sd-lc', level: 'district', kind: 'district', name: '陵城区', children: [{ id: 'sd-lc-b1', level: 'branch', name: '第一党支部' }] }],
    };
    expect((await f.app.inject({ method: 'POST', url: '/orgs/import', headers: admin, payload: nested })).json()).toMatchObject({ created: 3 });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/sd-lc-b1', headers: admin })).json()).toMatchObject({
      path: '/sd/sd-lc/sd-lc-b1/',
      name: '第一党支部',
      kind: 'branch',
    });
  });

  test('a subtree re-imported by its organiser stays where it stands; orgs are not taken from elsewhere', async () => {
    const organiser = bearer(await issueToken(f.app, { role: 'organiser', orgId: 'sd' }));
    const lc = {
      id: 'sd-lc',
      level: 'district',
      kind: 'district',
      name: '陵城区',
      children: [
        { id: 'sd-lc-b1', level: 'branch', name: '第三党支部' },
        { id: 'sd-lc-b2', level: 'branch', name: '第二党支部' },
      ],
    };
    const importAs = (h: Record<string, string>, tree: object) => f.app.inject({ method: 'POST', url: '/orgs/import', headers: h, payload: tree });
    expect((await importAs(organiser, lc)).json()).toEqual({ root: 'sd-lc', created: 1, updated: 1, moved: 0, removed: 0, unchanged: 1 });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/sd-lc', headers: organiser })).json()).toMatchObject({
      parent_id: 'sd',
      path: '/sd/sd-lc/',
      depth: 1,
      childCount: 2,
      subtreeSize: 3,
    });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/sd-lc-b2', headers: organiser })).json()).toMatchObject({ path: '/sd/sd-lc/sd-lc-b2/', depth: 2 });
    expect((await importAs(organiser, lc)).json()).toMatchObject({ created: 0, updated: 0, moved: 0, removed: 0, unchanged: 3 });

    // Taking tj's branch is outside this organiser's subtree; taking tj's unit would strand its branches.
    const withBranch = { ...lc, children: [...lc.children, { id: 'tj-d1-u1-b1', level: 'branch', name: '借来的支部' }] };
    expectProblem(await importAs(organiser, withBranch), 403);
    const withUnit = { ...lc, children: [...lc.children, { id: 'tj-d1-u1', level: 'unit', name: '借来的单位' }] };
    const stranded = expectProblem(await importAs(admin, withUnit), 422) as unknown as { errors: { message: string }[] };
    expect(stranded.errors[0]!.message).toMatch(/tj-d1-u1 stands elsewhere .*tj-d1-u1-b1/);
    expect((await f.app.inject({ method: 'GET', url: '/orgs/tj-d1-u1', headers: admin })).json()).toMatchObject({
      parent_id: 'tj-d1',
      name: expect.not.stringMatching(/借来/),
    });
    // A district re-imported as a city cannot stay under its city.
    expect(expectProblem(await importAs(admin, { ...lc, level: 'city' }), 422).errors![0]!.path).toBe('body.level');
  });

  test('an _ in an id is not a wildcard in subtree reads', async () => {
    const tree = {
      id: 'ul',
      level: 'city',
      name: '某市',
      children: [
        { id: 'ul-a_1', level: 'district', name: '甲区' },
        { id: 'ul-aX1', level: 'district', name: '乙区', children: [{ id: 'ul-aX1-b', level: 'branch', name: '支部' }] },
      ],
    };
    expect((await f.app.inject({ method: 'POST', url: '/orgs/import', headers: admin, payload: tree })).statusCode).toBe(200);
    expect((await f.app.inject({ method: 'GET', url: '/orgs/ul-a_1', headers: admin })).json()).toMatchObject({ subtreeSize: 1 });
    expect((await f.app.inject({ method: 'GET', url: '/orgs/ul-a_1/subtree', headers: admin })).json().items).toHaveLength(1);
  });

  test('CSV must be UTF-8; other media types are refused', async () => {
    const post = (contentType: string, payload: string | Buffer) =>
      f.app.inject({ method: 'POST', url: '/orgs/import', headers: { ...admin, 'content-type': contentType }, payload });
    expectProblem(await post('text/csv; charset=gbk', 'id,parentId,level,kind,name\n'), 415);
    expectProblem(await post('text/csv', Buffer.from([0x69, 0x64, 0x2c, 0xc0, 0xaf, 0x0a])), 400);
    expectProblem(await post('application/xml', '<org/>'), 415);
    expect((await post('text/csv; charset=utf-8', 'id,parentId,level,kind,name\r\ncs,,city,,"天津市"\r\n')).json()).toMatchObject({ root: 'cs', created: 1 });
  });
});

describe('reading', () => {
  test('paging through the 3,000 children of a unit returns each exactly once, in sibling order, even when a child goes between pages', async () => {
    const unit: FlatOrg[] = [
      { id: 'pg', parentId: null, level: 'city', kind: 'city', name: '大市' },
      { id: 'pg-u', parentId: 'pg', level: 'unit', kind: '公司', name: '大单位' },
      ...Array.from({ length: 3000 }, (_, i): FlatOrg => ({
        id: `pg-u-b${String(i).padStart(4, '0')}`,
        parentId: 'pg-u',
        level: 'branch',
        kind: '企业党支部',
        name: `第${i + 1}党支部`,
      })),
    ];
    await importTree(f.app, unit);
    const seen = await pageThrough('/orgs/pg-u/children', 700);
    expect(seen.map((o) => o.id)).toEqual(unit.slice(2).map((o) => o.id));

    const first = (await get('/orgs/pg-u/children?limit=1000')).json<{ items: { id: string }[]; nextCursor: string }>();
    await importTree(
      f.app,
      unit.filter((o) => o.id !== 'pg-u-b0000'),
    );
    const rest = await pageThrough('/orgs/pg-u/children', 1000, first.nextCursor);
    expect(rest).toHaveLength(2000);
    expect(new Set([...first.items, ...rest].map((o) => o.id)).size).toBe(3000);

    expectProblem(await get('/orgs/pg-u/children?limit=1001'), 400);
    expectProblem(await get('/orgs/pg-u/children?cursor=garbage'), 400);
    expectProblem(await get('/orgs/pg-u/children?colour=red'), 400);
  });

  test('a subtree in path order, in pages, filtered by level', async () => {
    const all = await pageThrough('/orgs/tj/subtree', 7);
    expect(all).toHaveLength(40);
    expect(all.map((o) => o.path)).toEqual([...all.map((o) => o.path)].sort());
    expect(all[0]!.id).toBe('tj');
    const branches = await pageThrough('/orgs/tj-d2/subtree?level=branch', 4);
    expect(branches.map((o) => o.id)).toEqual(
      generateTree('small')
        .filter((o) => o.level === 'branch' && o.id.startsWith('tj-d2-'))
        .map((o) => o.id)
        .sort(),
    );
  });

  test('a branch secretary reads its own branch only; a district organiser its subtree, not its neighbour', async () => {
    const secretary = bearer(await issueToken(f.app, { role: 'secretary', orgId: 'tj-d1-u1-b1' }));
    expect((await get('/orgs/tj-d1-u1-b1', secretary)).statusCode).toBe(200);
    // Outside its subtree is answered exactly as an org that does not exist (test/api/edges.test.ts).
    expect(expectProblem(await get('/orgs/tj-d1-u1-b2', secretary), 404).detail).toBe('org tj-d1-u1-b2 does not exist or is outside what you may see');
    expectProblem(await get('/orgs/tj-d1-u1', secretary), 404);
    expectProblem(await get('/orgs/tj-d1-u1/children', secretary), 404);
    expectProblem(await get('/orgs/tj/subtree', secretary), 404);
    expect(expectProblem(await get('/orgs/nope', secretary), 404).detail).toBe('org nope does not exist or is outside what you may see');

    const organiser = bearer(await issueToken(f.app, { role: 'organiser', orgId: 'tj-d1' }));
    expect((await get('/orgs/tj-d1-u2-b3', organiser)).statusCode).toBe(200);
    expect((await get('/orgs/tj-d1/subtree?limit=1000', organiser)).json().items).toHaveLength(13);
    expectProblem(await get('/orgs/tj-d2', organiser), 404);
    expectProblem(await get('/orgs/tj-d2/children', organiser), 404);
    expectProblem(await get('/orgs/tj', organiser), 404);
  });

  test('who may import: an admin; an organiser of the root or above; nobody else', async () => {
    const small = generateTree('small');
    const d1Tree = small.filter((o) => o.id === 'tj-d1' || o.id.startsWith('tj-d1-')).map((o) => (o.id === 'tj-d1' ? { ...o, parentId: null } : o));
    const organiser = bearer(await issueToken(f.app, { role: 'organiser', orgId: 'tj-d1' }));
    expect((await postCsv(csvOf(d1Tree), organiser)).json()).toEqual({ root: 'tj-d1', created: 0, updated: 0, moved: 0, removed: 0, unchanged: 13 });
    expect((await get('/orgs/tj-d1')).json()).toMatchObject({ parent_id: 'tj', path: '/tj/tj-d1/' });
    const d2Tree = small.filter((o) => o.id === 'tj-d2' || o.id.startsWith('tj-d2-')).map((o) => (o.id === 'tj-d2' ? { ...o, parentId: null } : o));
    // Another district's tree, or a new root: both answered as an org it cannot see.
    expectProblem(await postCsv(csvOf(d2Tree), organiser), 404);
    expectProblem(await postCsv(csvOf([{ id: 'brand-new', parentId: null, level: 'city', kind: 'city', name: '新市' }]), organiser), 404);
    for (const role of ['secretary', 'inspector', 'operator']) {
      expectProblem(await postCsv(csvOf(d1Tree), bearer(await issueToken(f.app, { role, orgId: 'tj' }))), 403);
    }
  });
});

test('a 40,000-org CSV imports in one request', { timeout: 600_000 }, async () => {
  // Tianjin as the seeds give it (38,725 orgs), and more branches up to 40,000.
  const tianjin = generateTree('tianjin').map((o) => ({ ...o, id: `big${o.id}`, parentId: o.parentId && `big${o.parentId}` }));
  const units = tianjin.filter((o) => o.level === 'unit');
  const extra = Array.from({ length: 40_000 - tianjin.length }, (_, i): FlatOrg => ({
    id: `big-extra-${i}`,
    parentId: units[i % units.length]!.id,
    level: 'branch',
    kind: '党支部',
    name: `新建第${i + 1}党支部`,
  }));
  const tree = [...tianjin, ...extra];
  expect(tree).toHaveLength(40_000);
  const text = csvOf(tree);
  let started = performance.now();
  const res = await postCsv(text);
  const first = (performance.now() - started) / 1000;
  expect(res.json()).toMatchObject({ created: tree.length });
  started = performance.now();
  expect((await postCsv(text)).json()).toMatchObject({ unchanged: tree.length });
  const again = (performance.now() - started) / 1000;
  console.log(
    `imported ${tree.length} orgs (${(text.length / 1e6).toFixed(1)} MB of CSV) in ${first.toFixed(1)} s; the same again (no change) in ${again.toFixed(1)} s [${f.db.url ? 'PostgreSQL' : 'PGlite'}]`,
  );
});
