import { expect, test } from 'vitest';
import { diffOrgTree, jsonTreeTooLarge, placeTree, rowsFromCsv, rowsFromJson, subtreePattern, validateOrgTree, type StoredOrg } from './org-tree.js';

const csv = (lines: string[]) => `\uFEFFid,parentId,level,kind,name\r\n${lines.join('\r\n')}\r\n`;

test('a valid CSV tree gets paths, depths and positions; names are trimmed and NFC', () => {
  const { rows, errors } = rowsFromCsv(
    csv(['tj,,city,city,天津市', 'hx,tj,district,district," 河西区 "', 'nk,tj,district,university,南开大学', 'b1,hx,branch,branch,"第一党支部, 机关"']),
  );
  const result = validateOrgTree(rows, errors);
  expect(result.errors).toEqual([]);
  expect(result.orgs).toEqual([
    { id: 'tj', parentId: null, level: 'city', kind: 'city', name: '天津市', path: '/tj/', depth: 0, position: 0 },
    { id: 'hx', parentId: 'tj', level: 'district', kind: 'district', name: '河西区', path: '/tj/hx/', depth: 1, position: 0 },
    { id: 'nk', parentId: 'tj', level: 'district', kind: 'university', name: '南开大学', path: '/tj/nk/', depth: 1, position: 1 },
    { id: 'b1', parentId: 'hx', level: 'branch', kind: 'branch', name: '第一党支部, 机关', path: '/tj/hx/b1/', depth: 2, position: 0 },
  ]);
});

test('every error at once, each with its row', () => {
  const { rows, errors } = rowsFromCsv(
    csv([
      'tj,,city,city,天津市',
      'hx,tj,district,district,河西区',
      'hx,tj,district,district,重复', // duplicate id (row 4)
      'u1,hx,unit,unit,', // empty name (row 5)
      'd9,u1,district,district,倒挂区', // district under a unit (row 6)
      'b1,zz,branch,branch,孤儿支部', // unknown parent (row 7)
      'bad id,hx,branch,branch,坏编号', // invalid id (row 8)
    ]),
  );
  const result = validateOrgTree(rows, errors);
  expect(result.orgs).toEqual([]);
  expect(result.errors.map((e) => [e.row, e.field])).toEqual([
    [4, 'id'],
    [5, 'name'],
    [8, 'id'],
    [6, 'level'],
    [7, 'parentId'],
  ]);
});

test('cycles and several roots are reported', () => {
  const { rows } = rowsFromCsv(csv(['tj,,city,city,天津市', 'a,b,unit,unit,甲', 'b,a,branch,branch,乙']));
  expect(
    validateOrgTree(rows)
      .errors.filter((e) => /cycle/.test(e.message))
      .map((e) => e.row),
  ).toEqual([3, 4]);
  const { rows: two } = rowsFromCsv(csv(['tj,,city,city,天津市', 'sd,,city,city,德州市']));
  expect(validateOrgTree(two).errors[0]!.message).toMatch(/exactly one root .*found 2: tj, sd/);
});

test('JSON errors name their path', () => {
  const rows = rowsFromJson({
    id: 'tj',
    level: 'city',
    name: '天津市',
    children: [{ id: 'hx', level: 'district', name: '河西区', children: [{ id: 'x', level: 'city', name: '\u0007' }] }],
  });
  expect(validateOrgTree(rows).errors).toEqual([
    { path: 'children[0].children[0].name', field: 'name', message: 'control characters are not allowed' },
    { path: 'children[0].children[0].level', field: 'level', message: expect.stringMatching(/a city cannot sit under a district/) },
  ]);
});

test('names count characters, not UTF-16 units', () => {
  const astral = '𠀀'.repeat(200);
  expect(validateOrgTree(rowsFromJson({ id: 'tj', level: 'city', name: astral })).errors).toEqual([]);
  expect(validateOrgTree(rowsFromJson({ id: 'tj', level: 'city', name: `${astral}x` })).errors).toEqual([
    { path: 'name', field: 'name', message: 'at most 200 characters' },
  ]);
});

test('a tree whose root is already in the directory is placed where the root stands', () => {
  const { orgs } = validateOrgTree(
    rowsFromJson({ id: 'hx', level: 'district', name: '河西区', children: [{ id: 'b3', level: 'branch', name: '第三党支部' }] }),
  );
  expect(placeTree(orgs, { parentId: 'tj', parentLevel: 'city', parentPath: '/tj/', parentDepth: 0, position: 4 }).orgs).toEqual([
    { id: 'hx', parentId: 'tj', level: 'district', kind: 'district', name: '河西区', path: '/tj/hx/', depth: 1, position: 4 },
    { id: 'b3', parentId: 'hx', level: 'branch', kind: 'branch', name: '第三党支部', path: '/tj/hx/b3/', depth: 2, position: 0 },
  ]);
  expect(placeTree(orgs, null).orgs).toEqual(orgs);
  expect(placeTree(orgs, { parentId: 'u1', parentLevel: 'unit', parentPath: '/tj/u1/', parentDepth: 1, position: 0 }).errors[0]).toMatchObject({
    field: 'level',
  });
});

test('a subtree pattern does not read _ or % in an id as a wildcard', () => {
  expect(subtreePattern('/tj/d_1/')).toBe('/tj/d\\_1/%');
  expect(subtreePattern('/a%b/')).toBe('/a\\%b/%');
});

test('kinds default to the level, are trimmed and checked like names; a lone surrogate is refused', () => {
  const { orgs } = validateOrgTree(
    rowsFromJson({ id: 'tj', level: 'city', name: '天津市', children: [{ id: 'nk', level: 'district', kind: ' university ', name: '南开大学' }] }),
  );
  expect(orgs.map((o) => o.kind)).toEqual(['city', 'university']);
  const bad = validateOrgTree(rowsFromJson({ id: 'tj', level: 'city', kind: 'k'.repeat(41), name: '天津\uD800' }));
  expect(bad.errors.map((e) => e.path)).toEqual(['kind', 'name']);
  expect(validateOrgTree([], [])).toMatchObject({ errors: [{ field: 'body' }] });
});

test('a JSON body too deep or too large is refused before anything walks it recursively', () => {
  let deep: { id: string; children?: unknown[] } = { id: 'leaf' };
  for (let i = 0; i < 20; i++) deep = { id: `n${i}`, children: [deep] };
  expect(jsonTreeTooLarge(deep)?.message).toMatch(/deep/);
  expect(jsonTreeTooLarge({ id: 'tj', children: Array.from({ length: 100_000 }, () => ({})) })?.message).toMatch(/at most 100000 orgs/);
  expect(jsonTreeTooLarge({ id: 'tj', children: [{ id: 'a' }] })).toBeUndefined();
});

test('the diff counts moves by parent, rewrites what a move or a removal shifts, and lists every place that changes', () => {
  const stored: StoredOrg[] = [
    { id: 'tj', parentId: null, level: 'city', kind: 'city', name: '天津市', path: '/tj/', depth: 0, position: 0 },
    { id: 'hx', parentId: 'tj', level: 'district', kind: 'district', name: '河西区', path: '/tj/hx/', depth: 1, position: 0 },
    { id: 'nk', parentId: 'tj', level: 'district', kind: 'district', name: '南开区', path: '/tj/nk/', depth: 1, position: 1 },
    { id: 'u1', parentId: 'hx', level: 'unit', kind: 'unit', name: '街道', path: '/tj/hx/u1/', depth: 2, position: 0 },
    { id: 'b1', parentId: 'u1', level: 'branch', kind: 'branch', name: '第一党支部', path: '/tj/hx/u1/b1/', depth: 3, position: 0 },
  ];
  const { orgs } = validateOrgTree(
    rowsFromJson({
      id: 'tj',
      level: 'city',
      name: '天津市',
      children: [
        {
          id: 'nk',
          level: 'district',
          name: '南开区',
          children: [{ id: 'u1', level: 'unit', name: '街道', children: [{ id: 'b1', level: 'branch', name: '第一党支部' }] }],
        },
        { id: 'new', level: 'district', name: '滨海新区' },
      ],
    }),
  );
  const diff = diffOrgTree(orgs, new Map(stored.map((o) => [o.id, o])), stored);
  expect(diff).toMatchObject({ created: 1, updated: 0, moved: 1, unchanged: 3, removed: [{ id: 'hx' }] });
  expect(diff.writes.map((o) => o.id).sort()).toEqual(['b1', 'new', 'nk', 'u1']);
  expect(diff.displaced).toEqual([
    { id: 'hx', paths: ['/tj/hx/'] },
    { id: 'u1', paths: ['/tj/hx/u1/', '/tj/nk/u1/'] },
    { id: 'b1', paths: ['/tj/hx/u1/b1/', '/tj/nk/u1/b1/'] },
  ]);
  expect(diffOrgTree(orgs, new Map(orgs.map((o) => [o.id, o])), orgs)).toMatchObject({
    created: 0,
    updated: 0,
    moved: 0,
    unchanged: 5,
    writes: [],
    displaced: [],
  });
});
