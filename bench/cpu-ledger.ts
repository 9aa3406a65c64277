/**
 * Where a phase's CPU went: the CPU seconds of every process this bench started (the
 * harness itself, its Temporal server, its PostgreSQL, its worker processes, its API process), read from
 * /proc at the phase's start and end, and the whole machine's busy share over the same
 * span. Per unit of work (an org mobilised, a command answered) this is the cost that
 * bounds a rate once the machine is busy: on two shared cores, a cascade whose every org
 * costs twice the CPU cannot run at more than half the rate, however the queues are tuned.
 *
 * Processes are found as descendants of the harness, or of the PostgreSQL server it started
 * (which detaches itself; found by its port), so another engineer's processes on the same
 * machine are never counted, and named by their command line. A process that exits
 * between the two readings (a worker restarted) takes its CPU with it: the result says how
 * many were lost that way. The baseline's worker runs inside the harness, so in a baseline
 * phase the harness's CPU is the baseline worker's (plus the harness's own polling).
 */
import { readdirSync, readFileSync } from 'node:fs';

export const CPU_PARTS = ['harness', 'api', 'workers', 'temporalServer', 'postgres', 'other'] as const;
export type CpuPart = (typeof CPU_PARTS)[number];

export interface CpuReading {
  at: number;
  /** CPU seconds (user + system) so far, by pid, of the harness and its descendants. */
  byPid: Map<number, { part: CpuPart; seconds: number }>;
  machine: { total: number; idle: number };
}

export interface CpuSpan {
  seconds: number;
  /** Busy share of all the machine's cores over the span (every process on it, not only the bench's). */
  machineBusyPercent: number;
  /** CPU seconds used over the span by each part. */
  cpuSeconds: Record<CpuPart, number>;
  /** The same per unit of work, in ms, and their sum. */
  cpuMsPerUnit: Record<CpuPart | 'total', number>;
  units: number;
  /** Processes seen at the start and gone at the end (their CPU over the span is missing). */
  processesLost: number;
}

/** Which part of the bench a process is, from its command line. */
export function partOf(cmdline: string, pid: number, harnessPid: number): CpuPart {
  if (pid === harnessPid) return 'harness';
  if (/worker\/main\.ts/.test(cmdline)) return 'workers';
  if (/api\/main\.ts/.test(cmdline)) return 'api';
  if (/(^|\/)temporal(-server)?(\s|$)/.test(cmdline) || /\bstart-dev\b/.test(cmdline)) return 'temporalServer';
  if (/(^|\/)postgres(\s|:|$)/.test(cmdline)) return 'postgres';
  return 'other';
}

/** CPU seconds (user + system) a process has used so far, from /proc (USER_HZ: 100 ticks a second on Linux); undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? cpuSecondsOf(fields) : undefined;
}

/** utime and stime are fields 14 and 15 of /proc/PID/stat: 11 and 12 after the command name. */
const cpuSecondsOf = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / 100;

/** The machine's CPU ticks so far, all cores: in all, and idle (idle and iowait). */
export function machineCpuTicks(): { total: number; idle: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: ticks.reduce((a, b) => a + b, 0), idle: ticks[3]! + ticks[4]! };
  } catch {
    return { total: 0, idle: 0 };
  }
}

/** The fields of /proc/PID/stat after the command name (which may hold spaces): field 3 first. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/**
 * Reads the CPU of the harness (this process) and every process descended from it, and of the
 * PostgreSQL server of `databaseUrl` (the bench's own; found by its port) and its backends.
 */
export function readCpu(databaseUrl?: string, harnessPid = process.pid): CpuReading {
  const postgresPort = databaseUrl ? Number(new URL(databaseUrl).port) || 5432 : undefined;
  // Every process's stat, read once: its parent (field 4) and its CPU so far.
  const statOf = new Map<number, string[]>();
  const roots = new Set([harnessPid]);
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (!fields) continue;
    statOf.set(pid, fields);
    if (postgresPort && fields[1] === '1' && new RegExp(`postgres .*-p ${postgresPort}( |$)`).test(commandLine(pid) ?? '')) roots.add(pid);
  }
  const parentOf = (pid: number) => {
    const parent = statOf.get(pid)?.[1];
    return parent === undefined ? undefined : Number(parent);
  };
  const descends = (pid: number): boolean => {
    for (let at: number | undefined = pid, hops = 0; at && hops < 64; at = parentOf(at), hops++) if (roots.has(at)) return true;
    return false;
  };
  const byPid: CpuReading['byPid'] = new Map();
  for (const [pid, fields] of statOf) {
    if (!descends(pid)) continue;
    const cmdline = commandLine(pid);
    if (cmdline === undefined) continue;
    byPid.set(pid, { part: partOf(cmdline, pid, harnessPid), seconds: cpuSecondsOf(fields) });
  }
  return { at: Date.now(), byPid, machine: machineCpuTicks() };
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** What each part used between two readings, in all and per unit of work. */
export function cpuBetween(from: CpuReading, to: CpuReading, units: number): CpuSpan {
  const cpuSeconds = Object.fromEntries(CPU_PARTS.map((p) => [p, 0])) as Record<CpuPart, number>;
  let processesLost = 0;
  for (const [pid, end] of to.byPid) cpuSeconds[end.part] += end.seconds - (from.byPid.get(pid)?.seconds ?? 0);
  for (const pid of from.byPid.keys()) if (!to.byPid.has(pid)) processesLost++;
  const total = to.machine.total - from.machine.total;
  const busy = total - (to.machine.idle - from.machine.idle);
  const perUnit = (s: number) => (units > 0 ? round((s * 1000) / units, 2) : 0);
  const cpuMsPerUnit = Object.fromEntries(CPU_PARTS.map((p) => [p, perUnit(cpuSeconds[p])])) as Record<CpuPart | 'total', number>;
  cpuMsPerUnit.total = perUnit(CPU_PARTS.reduce((a, p) => a + cpuSeconds[p], 0));
  return {
    seconds: round((to.at - from.at) / 1000, 1),
    machineBusyPercent: total > 0 ? round((busy / total) * 100, 1) : 0,
    cpuSeconds: Object.fromEntries(CPU_PARTS.map((p) => [p, round(cpuSeconds[p], 1)])) as Record<CpuPart, number>,
    cpuMsPerUnit,
    units,
    processesLost,
  };
}

/** One line for the live output: ms of CPU per unit, by part. */
export function describeCpu(label: string, span: CpuSpan, unit: string): string {
  const parts = CPU_PARTS.filter((p) => span.cpuSeconds[p] > 0).map((p) => `${p} ${span.cpuMsPerUnit[p]}`);
  return `${label}: ${span.cpuMsPerUnit.total} ms of CPU per ${unit} (${parts.join(', ')}); machine ${span.machineBusyPercent} % busy over ${span.seconds} s`;
}
