import { expect, test } from 'vitest';
import { csvField, ledgerCsv, type LedgerCsvRow } from './ledger-csv.js';

const row: LedgerCsvRow = {
  problem_id: 'p1',
  org_id: 'tj-d1-u1-b1',
  source: 'public_message',
  category: '服务',
  description: '窗口排队久，"一号难求"',
  status: 'closed',
  immediate: true,
  owner: '窗口科科长',
  measures: '增设窗口\n推行预约',
  deadline: new Date('2019-10-10T15:59:59.999Z'),
  extended_from: null,
  extension_reason: null,
  alert: 'none',
  evidence: '窗口由3个增至6个',
  result: '排队时间减半',
  verified_by: 'inspector:tj',
  closed_at: '2019-10-09T02:00:00.000Z',
  disclosed_on: '2019-11-18',
};

test('UTF-8 with BOM, CRLF, quoted fields; Chinese survives a round trip through the bytes', () => {
  const csv = ledgerCsv([row]);
  const bytes = Buffer.from(csv, 'utf8');
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.toString('utf8').slice(1).split('\r\n');
  expect(lines[0]!.startsWith('问题编号 problem,单位 org')).toBe(true);
  expect(lines[1]).toContain('"窗口排队久，""一号难求"""');
  expect(lines[1]).toContain('"增设窗口\n推行预约"');
  expect(lines[1]).toContain(',是,');
  expect(lines[1]).toContain('2019-10-10T15:59:59.999Z');
  expect(lines.at(-1)).toBe('');
});

test('cells that a spreadsheet would run as formulas are defused', () => {
  expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
  expect(csvField('-1')).toBe("'-1");
  expect(csvField(null)).toBe('');
});
