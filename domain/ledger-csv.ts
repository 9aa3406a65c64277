/**
 * The problem list and its results list (问题清单 → 成效清单) as CSV a spreadsheet opens
 * correctly: UTF-8 with a byte-order mark (so Chinese shows), CRLF line ends, every
 * field quoted where RFC 4180 needs it, and formula-like cells neutralised so a cell
 * such as `=HYPERLINK(…)` typed by a citizen never runs in Excel.
 *
 * @example
 * const csv = ledgerCsv(rows); // '\uFEFF问题编号,…\r\n…'
 */
export interface LedgerCsvRow {
  problem_id: string;
  org_id: string;
  source: string;
  category: string;
  description: string;
  status: string;
  immediate: boolean;
  owner: string | null;
  measures: string | null;
  deadline: Date | string | null;
  extended_from: Date | string | null;
  extension_reason: string | null;
  alert: string;
  evidence: string | null;
  result: string | null;
  verified_by: string | null;
  closed_at: Date | string | null;
  disclosed_on: string | null;
}

const COLUMNS: [header: string, pick: (r: LedgerCsvRow) => unknown][] = [
  ['问题编号 problem', (r) => r.problem_id],
  ['单位 org', (r) => r.org_id],
  ['来源 source', (r) => r.source],
  ['类别 category', (r) => r.category],
  ['问题 description', (r) => r.description],
  ['立行立改 immediate', (r) => (r.immediate ? '是' : '否')],
  ['责任人 owner', (r) => r.owner],
  ['整改措施 measures', (r) => r.measures],
  ['时限 deadline', (r) => r.deadline],
  ['延期自 extended from', (r) => r.extended_from],
  ['延期理由 extension reason', (r) => r.extension_reason],
  ['状态 status', (r) => r.status],
  ['预警 alert', (r) => r.alert],
  ['整改材料 evidence', (r) => r.evidence],
  ['成效 result', (r) => r.result],
  ['验收人 verified by', (r) => r.verified_by],
  ['销号 closed at', (r) => r.closed_at],
  ['公示 disclosed on', (r) => r.disclosed_on],
];

export function ledgerCsv(rows: Iterable<LedgerCsvRow>): string {
  const lines = [COLUMNS.map(([h]) => csvField(h)).join(',')];
  for (const row of rows) lines.push(COLUMNS.map(([, pick]) => csvField(pick(row))).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** One CSV field: dates as ISO, quoted when needed, leading formula characters defused. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a row's values: text, numbers, dates (above), and lists, which read as `a,b`
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
