/** Dates and times in China Standard Time, whatever the browser's own zone. */
const TZ = 'Asia/Shanghai';
const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dateOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' });

/** `2026年12月6日 18:20:05（北京时间）` style, for instants. */
export function cst(instant: string | number | Date): string {
  return `${dateTime.format(new Date(instant))}`;
}

/**
 * A calendar date (`2026-12-06`) as `2026年12月6日`: a day in China, not an instant; an
 * instant (a deadline's timestamp) as the day it falls on in China.
 */
export function day(dateOrInstant: string): string {
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOrInstant);
  if (plain) return dateOnly.format(new Date(Date.UTC(Number(plain[1]), Number(plain[2]) - 1, Number(plain[3]), 4)));
  const instant = new Date(dateOrInstant);
  return Number.isNaN(instant.getTime()) ? dateOrInstant : dateOnly.format(instant);
}

/** Today in China as `YYYY-MM-DD` (what the forms default to and the API compares against). */
export function todayInChina(now = Date.now()): string {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}
