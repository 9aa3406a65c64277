import { expect, test } from 'vitest';
import { CsvSyntaxError, parseCsv } from './csv.js';

test('BOM, CRLF, quotes, doubled quotes and line breaks inside quotes', () => {
  const text = '\uFEFFid,parentId,level,kind,name\r\ntj,,city,city,"天津市"\r\nhx,tj,district,district,"河西区, ""新"" 区"\r\nb,hx,branch,branch,"第一\n党支部"\r\n';
  expect(parseCsv(text)).toEqual([
    { line: 1, fields: ['id', 'parentId', 'level', 'kind', 'name'] },
    { line: 2, fields: ['tj', '', 'city', 'city', '天津市'] },
    { line: 3, fields: ['hx', 'tj', 'district', 'district', '河西区, "新" 区'] },
    { line: 4, fields: ['b', 'hx', 'branch', 'branch', '第一\n党支部'] },
  ]);
});

test('LF only, no final newline, blank lines skipped', () => {
  expect(parseCsv('a,b\n\n1,2')).toEqual([
    { line: 1, fields: ['a', 'b'] },
    { line: 3, fields: ['1', '2'] },
  ]);
});

test('an unclosed quote or text after a quote is a syntax error with its line', () => {
  expect(() => parseCsv('a\n"x')).toThrow(CsvSyntaxError);
  expect(() => parseCsv('a\n"x"y,1')).toThrow(/line 2/);
});
