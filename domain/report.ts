/**
 * 例会: the campaign office's regular meetings. Every week it reviews rectification progress;
 * every two weeks it meets the guidance groups' leaders. Their papers are reports the system
 * compiles itself, on a Temporal Schedule, from what is already recorded (为基层减负: nothing
 * asks a branch to fill in a form the events can answer). This file holds the pure part: the
 * kinds and their cadence, ids, the figures' shapes and sums, and the page a person reads.
 */
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import { LEVELS, type Level } from './levels.js';

/** `weekly`: the office's progress meeting; `fortnightly`: with the guidance-group leaders (it adds the spot checks). */
export const ReportKind = lazySchema(() => z.enum(['weekly', 'fortnightly']));
export type ReportKind = z.infer<typeof ReportKind>;

/**
 * When each kind falls due, as a Schedule interval: every 7 or 14 days from Monday 1970-01-05
 * 01:00 UTC, i.e. Mondays 09:00 China Standard Time (UTC+8, no daylight saving). Intervals,
 * not a calendar in `Asia/Shanghai`: they need no time-zone database on the Temporal server,
 * and a calendar cannot say "every other Monday".
 */
export const REPORT_CADENCE: Record<ReportKind, { every: string; offset: string }> = {
  weekly: { every: '7 days', offset: '97 hours' },
  fortnightly: { every: '14 days', offset: '97 hours' },
};

/** Kept for older importers; the ids (the report Schedule's and its runs') live in `domain/workflow-ids.ts`. */
export { reportScheduleId, reportWorkflowId } from './workflow-ids.js';

/** Rectification progress of the orgs of one level: how many items stand at each status. */
export interface LevelProgress {
  level: Level;
  orgs: number;
  mobilised: number;
  problems: number;
  found: number;
  planned: number;
  inProgress: number;
  rectified: number;
  closed: number;
  overdue: number;
  /** Closed (rectified and verified) as a whole percentage of the items not cancelled; 0 with none. */
  closedPercent: number;
}

export interface LaggingOrg {
  orgId: string;
  name: string;
  level: string;
  reasons: string[];
}

export interface OverdueItem {
  orgId: string;
  problemId: string;
  category: string;
  owner: string | null;
  deadline: string | null;
}

export interface ReportFigures {
  campaign: { id: string; name: string; rootOrgId: string; status: string };
  period: { from: string; to: string };
  levels: LevelProgress[];
  total: Omit<LevelProgress, 'level'>;
  /** In the period, from the events' times. */
  activity: { problemsRecorded: number; itemsClosed: number };
  lagging: { count: number; orgs: LaggingOrg[] };
  overdue: { count: number; items: OverdueItem[] };
  escalations: { raised: number; received: number; claimed: number; forwarded: number; lapsed: number; awaitingClaim: number };
  /** Fortnightly only: what the guidance groups did in the period. */
  inspections?: {
    roundsStarted: number;
    findingsIssued: number;
    noticesCirculated: number;
    groups: { groupId: string; name: string; rounds: number; findings: number }[];
  };
}

/** The most lagging orgs and overdue items a report lists by name; the counts are always whole. */
export const REPORT_LIST_LIMIT = 50;

/** One org's row as the read model holds it. */
export interface OrgRow {
  level: string;
  mobilised: boolean;
}

/** One ledger item's row as the read model holds it. */
export interface ItemRow {
  level: string;
  status: string;
  overdue: boolean;
}

/**
 * Rectification progress per level (city to branch, levels without orgs left out), by
 * counting each org and item once. Overdue means what the ledger's `/overdue` list means:
 * red and still planned or in progress.
 */
export function levelProgress(orgs: readonly OrgRow[], items: readonly ItemRow[]): { levels: LevelProgress[]; total: Omit<LevelProgress, 'level'> } {
  const blank = (): Omit<LevelProgress, 'level'> => ({
    orgs: 0,
    mobilised: 0,
    problems: 0,
    found: 0,
    planned: 0,
    inProgress: 0,
    rectified: 0,
    closed: 0,
    overdue: 0,
    closedPercent: 0,
  });
  const by = new Map<string, Omit<LevelProgress, 'level'>>();
  const total = blank();
  const row = (level: string) => by.get(level) ?? by.set(level, blank()).get(level)!;
  for (const o of orgs) {
    for (const r of [row(o.level), total]) {
      r.orgs += 1;
      if (o.mobilised) r.mobilised += 1;
    }
  }
  const key = { found: 'found', planned: 'planned', in_progress: 'inProgress', rectified: 'rectified', closed: 'closed' } as const;
  for (const i of items) {
    if (i.status === 'cancelled') continue;
    const field = key[i.status as keyof typeof key];
    for (const r of [row(i.level), total]) {
      r.problems += 1;
      if (field) r[field] += 1;
      if (i.overdue && (i.status === 'planned' || i.status === 'in_progress')) r.overdue += 1;
    }
  }
  const percent = (r: Omit<LevelProgress, 'level'>) => ({ ...r, closedPercent: r.problems ? Math.floor((r.closed * 100) / r.problems) : 0 });
  const levels = LEVELS.filter((l) => by.has(l)).map((level) => ({ level, ...percent(by.get(level)!) }));
  return { levels, total: percent(total) };
}

/** What the lagging rule needs of an org: whether it mobilised, its own figures, when the cascade reached it. */
export interface LaggingInput {
  mobilised: boolean;
  own: Record<string, number>;
  /** When the cascade reached the org (its workflow started: `rm_org_progress.reached_at`). */
  reachedAt?: string | Date | null | undefined;
}

/** The clock and the campaign's deadline to mobilise (`rules.mobiliseWithinDays`; unset, none). */
export interface LaggingContext {
  now: number;
  mobiliseWithinDays?: number | undefined;
}

const DAY_MS = 24 * 3600_000;

/**
 * 动员部署 late: the days since the cascade reached an org that has still not mobilised,
 * when that is more than the rule's deadline; undefined when it is not late (or there is no
 * deadline, or no clock). Strictly more: at exactly the deadline it is not late yet.
 */
export function mobilisationLateDays(org: LaggingInput, ctx?: LaggingContext): number | undefined {
  if (org.mobilised || !ctx || ctx.mobiliseWithinDays === undefined || !org.reachedAt) return undefined;
  const since = ctx.now - new Date(org.reachedAt).getTime();
  return since > ctx.mobiliseWithinDays * DAY_MS ? since / DAY_MS : undefined;
}

/**
 * Why an org lags, by the same rule as `GET …/lagging`: not mobilised (and, given the clock
 * and a deadline, past it), no study yet, or items overdue.
 */
export function laggingReasons(org: LaggingInput, ctx?: LaggingContext): string[] {
  const late = mobilisationLateDays(org, ctx);
  return [
    ...(org.mobilised ? [] : ['not mobilised']),
    ...(late === undefined ? [] : [`reached ${Math.floor(late)} days ago, mobilise within ${ctx!.mobiliseWithinDays} days`]),
    ...(org.own.studyDone ? [] : [`study ${org.own.studyDays ?? 0} days`]),
    ...((org.own.overdue ?? 0) > 0 ? [`${org.own.overdue} overdue`] : []),
  ];
}

const TITLES: Record<ReportKind, string> = {
  weekly: '整改落实周报 · weekly progress report',
  fortnightly: '巡回指导组例会双周报 · fortnightly report for the guidance-group leaders',
};

/** Text for HTML: the report holds names and categories the orgs typed. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A horizontal stacked bar per level: closed, rectified, in progress, planned and found items,
 * as shares of the level's items; the overdue count written beside it. Inline SVG: the page
 * needs no script, no stylesheet and nothing fetched.
 */
export function progressChart(levels: readonly LevelProgress[]): string {
  const parts = [
    ['closed', '#2e7d32', '已销号 closed'],
    ['rectified', '#8bc34a', '待验收 rectified'],
    ['inProgress', '#ffb300', '整改中 in progress'],
    ['planned', '#90a4ae', '已制定 planned'],
    ['found', '#cfd8dc', '已查摆 found'],
  ] as const;
  const width = 720;
  const barX = 90;
  const barW = 440;
  const rowH = 28;
  const top = 30;
  const height = top + Math.max(levels.length, 1) * rowH + 10;
  const legend = parts
    .map(
      ([, colour, label], i) =>
        `<rect x="${barX + i * 110}" y="6" width="10" height="10" fill="${colour}"/><text x="${barX + i * 110 + 14}" y="15" font-size="10">${escapeHtml(label)}</text>`,
    )
    .join('');
  const rows = levels
    .map((l, i) => {
      const y = top + i * rowH;
      let x = barX;
      const segments = parts
        .map(([field, colour]) => {
          const w = l.problems ? (l[field] / l.problems) * barW : 0;
          const rect =
            w > 0
              ? `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${colour}"><title>${escapeHtml(`${l.level} ${field}: ${l[field]}`)}</title></rect>`
              : '';
          x += w;
          return rect;
        })
        .join('');
      const empty = l.problems ? '' : `<rect x="${barX}" y="${y}" width="${barW}" height="18" fill="none" stroke="#cfd8dc"/>`;
      return `<text x="0" y="${y + 13}" font-size="12">${escapeHtml(l.level)}</text>${segments}${empty}<text x="${barX + barW + 8}" y="${y + 13}" font-size="11">${l.closed}/${l.problems} · ${l.overdue} overdue</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="rectification progress by level" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${legend}${rows}</svg>`;
}

/** The report as one self-contained page: a heading, the chart, the per-level table, the lists. */
export function reportHtml(report: { kind: ReportKind; createdAt: string; figures: ReportFigures }): string {
  const f = report.figures;
  const e = escapeHtml;
  const cell = (v: string | number) => `<td>${e(String(v))}</td>`;
  const levelRows = [...f.levels.map((l) => ({ name: l.level, ...l })), { name: 'total', ...f.total }]
    .map(
      (l) =>
        `<tr>${[l.name, l.orgs, l.mobilised, l.problems, l.found, l.planned, l.inProgress, l.rectified, l.closed, `${l.closedPercent}%`, l.overdue].map(cell).join('')}</tr>`,
    )
    .join('');
  const more = (shown: number, count: number) => (count > shown ? `<p>… and ${count - shown} more.</p>` : '');
  const lagging = f.lagging.orgs.map((o) => `<tr>${[o.orgId, o.name, o.level, o.reasons.join('; ')].map(cell).join('')}</tr>`).join('');
  const overdue = f.overdue.items.map((i) => `<tr>${[i.orgId, i.problemId, i.category, i.owner ?? '', i.deadline ?? ''].map(cell).join('')}</tr>`).join('');
  const x = f.escalations;
  const inspections = f.inspections
    ? `<h2>巡回指导 · guidance groups in the period</h2><p>${f.inspections.roundsStarted} rounds started, ${f.inspections.findingsIssued} findings issued, ${f.inspections.noticesCirculated} notices circulated.</p>
<table><thead><tr><th>group</th><th>name</th><th>rounds started</th><th>findings issued</th></tr></thead><tbody>${f.inspections.groups.map((g) => `<tr>${[g.groupId, g.name, g.rounds, g.findings].map(cell).join('')}</tr>`).join('')}</tbody></table>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${e(`${f.campaign.name} · ${TITLES[report.kind]}`)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold}</style></head>
<body>
<h1>${e(TITLES[report.kind])}</h1>
<p>${e(f.campaign.name)} (<code>${e(f.campaign.id)}</code>, ${e(f.campaign.status)}) · period ${e(f.period.from)} → ${e(f.period.to)} · compiled ${e(report.createdAt)}</p>
<p>Every figure comes from events already recorded; nobody was asked to fill anything in.</p>
<h2>整改进度 · rectification progress by level</h2>
${progressChart(f.levels)}
<table><caption>items by status</caption><thead><tr><th>level</th><th>orgs</th><th>mobilised</th><th>items</th><th>found</th><th>planned</th><th>in progress</th><th>rectified</th><th>closed</th><th>closed %</th><th>overdue</th></tr></thead><tbody>${levelRows}</tbody></table>
<p>In the period: ${f.activity.problemsRecorded} problems recorded, ${f.activity.itemsClosed} items closed.</p>
<h2>下题上答 · escalations in the period</h2>
<p>${x.raised} raised, ${x.received} received (every hop), ${x.claimed} claimed, ${x.forwarded} forwarded, ${x.lapsed} lapsed (not claimed in time: forwarded automatically, or red at the campaign’s top); ${x.awaitingClaim} waiting to be claimed now.</p>
<h2>逾期 · overdue items (${f.overdue.count})</h2>
<table><thead><tr><th>org</th><th>item</th><th>category</th><th>owner</th><th>deadline</th></tr></thead><tbody>${overdue}</tbody></table>${more(f.overdue.items.length, f.overdue.count)}
<h2>滞后 · lagging orgs (${f.lagging.count})</h2>
<table><thead><tr><th>org</th><th>name</th><th>level</th><th>why</th></tr></thead><tbody>${lagging}</tbody></table>${more(f.lagging.orgs.length, f.lagging.count)}
${inspections}
</body></html>
`;
}
