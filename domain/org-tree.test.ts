import { expect, test } from 'vitest';
import { placeTree, rowsFromCsv, rowsFromJson, subtreePattern, validateOrgTree } from './org-tree.js';

const csv = (lines: string[]) => `\uFEFFid,parentId,level,kind,name\r\n${lines.join('\r\n')}\r\n`;

test('a valid CSV tree gets paths, depths and positions; names are trimmed and NFC', () => {
  const { rows, errors } = rowsFromCsv(csv(['tj,,city,city,天津市', 'hx,tj,district,district," 河西区 "', 'nk,tj,district,university,南开大学', 'b1,hx,branch,branch,"第一党支部, 机关"']));
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
  expect(validateOrgTree(rows).errors.filter((e) => /cycle/.test(e.message)).map((e) => e.row)).toEqual([3, 4]);
  const { rows: two } = rowsFromCsv(csv(['tj,,city,city,天津市', 'sd,,city,city,德州市']));
  expect(validateOrgTree(two).errors[0]!.message).toMatch(/exactly one root .*found 2: tj, sd/);
});

test('JSON errors name their path', () => {
  const rows = rowsFromJson({ id: 'tj', level: 'city', name: '天津市', children: [{ id: 'hx', level: 'district', name: '河西区', children: [{ id: 'x', level: 'city', name: '\u0007' }] }] });
  expect(validateOrgTree(rows).errors).toEqual([
    { path: 'children[0].children[0].name', field: 'name', message: 'control characters are not allowed' },
    { path: 'children[0].children[0].level', field: 'level', message: expect.stringMatching(/a city cannot sit under a district/) },
  ]);
});

test('names count characters, not UTF-16 units', () => {
  const astral = '𠀀'.repeat(200);
  expect(validateOrgTree(rowsFromJson({ id: 'tj', level: 'city', name: astral })).errors).toEqual([]);
  expect(validateOrgTree(rowsFromJson({ id: 'tj', level: 'city', name: `${astral}x` })).errors).toEqual([{ path: 'name', field: 'name', message: 'at most 200 characters' }]);
});

test('a tree whose root is already in the directory is placed where the root stands', () => {
  const { orgs } = validateOrgTree(rowsFromJson({ id: 'hx', level: 'district', name: '河西区', children: [{ id: 'b3', level: 'branch', name: '第三党支部' }] }));
  expect(placeTree(orgs, { parentId: 'tj', parentLevel: 'city', parentPath: '/tj/', parentDepth: 0, position: 4 }).orgs).toEqual([
    { id: 'hx', parentId: 'tj', level: 'district', kind: 'district', name: '河西区', path: '/tj/hx/', depth: 1, position: 4 },
    { id: 'b3', parentId: 'hx', level: 'branch', kind: 'branch', name: '第三党支部', path: '/tj/hx/b3/', depth: 2, position: 0 },
  ]);
  expect(placeTree(orgs, null).orgs).toEqual(orgs);
  expect(placeTree(orgs, { parentId: 'u1', parentLevel: 'unit', parentPath: '/tj/u1/', parentDepth: 1, position: 0 }).errors[0]).toMatchObject({ field: 'level' });
});

test('a subtree pattern does not read _ or % in an id as a wildcard', () => {
  expect(subtreePattern('/tj/d_1/')).toBe('/tj/d\\_1/%');
  expect(subtreePattern('/a%b/')).toBe('/a\\%b/%');
});
