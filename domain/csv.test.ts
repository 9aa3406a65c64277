import { expect, test } from 'vitest';
import fc from 'fast-check';
import { CsvSyntaxError, parseCsv } from './csv.js';

test('BOM, CRLF, quotes, doubled quotes and line breaks inside quotes', () => {
  const text =
    '\uFEFFid,parentId,level,kind,name\r\ntj,,city,city,"天津市"\r\nhx,tj,district,district,"河西区, ""新"" 区"\r\nb,hx,branch,branch,"第一\n党支部"\r\n';
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

test('a record after a quoted line break keeps its own line number', () => {
  expect(parseCsv('a,b\n"x\ny",1\nz,2\n').map((r) => r.line)).toEqual([1, 2, 4]);
});

test('any fields written the RFC 4180 way read back as they were', () => {
  const quote = (f: string) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);
  const field = fc.string({ unit: fc.constantFrom('a', '天', '津', ',', '"', '\n', '\r\n', ' ', 'x') });
  fc.assert(
    fc.property(
      fc.array(fc.array(field, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 20 }),
      fc.boolean(),
      fc.constantFrom('\n', '\r\n'),
      (rows, bom, eol) => {
        const text = `${bom ? '\uFEFF' : ''}${rows.map((r) => r.map(quote).join(',')).join(eol)}${eol}`;
        expect(parseCsv(text).map((r) => r.fields)).toEqual(rows);
      },
    ),
  );
});
