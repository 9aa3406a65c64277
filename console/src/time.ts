/** Dates and times in China Standard Time, whatever the browser's own zone. */
const TZ = 'Asia/Shanghai';
const dateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' });

/** `2026年12月6日 18:20:05（北京时间）` style, for instants. */
export function cst(instant: string | number | Date): string {
  return `${dateTime.format(new Date(instant))}`;
}

/** A calendar date (`2026-12-06`) as `2026年12月6日`: a day in China, not an instant. */
export function day(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return dateOnly.format(new Date(Date.UTC(y!, m! - 1, d!, 4)));
}

/** Today in China as `YYYY-MM-DD` (what the forms default to and the API compares against). */
export function todayInChina(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}
