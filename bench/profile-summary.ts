/**
 * Where a worker process spent its CPU: the V8 profiles `--profile-workers DIR` leaves
 * (one `.cpuprofile` per thread: the main thread runs activities and the SDK's bridge,
 * the workflow thread runs workflow code), reduced to self time per area and per
 * function. `npx tsx bench/profile-summary.ts DIR` prints it; a bench run with
 * `--profile-workers` puts the same into its result as `workerProfile`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ThreadSummary {
  file: string;
  /** Wall time the profile covers and the part of it the thread was not idle. */
  seconds: number;
  busySeconds: number;
  /** Self time by area: a package under node_modules, a file of this repository, or V8/Node (`(program)`, `(garbage collector)`). */
  areas: Array<{ area: string; seconds: number; share: number }>;
  functions: Array<{ fn: string; seconds: number; share: number }>;
}

const REPO = fileURLToPath(new URL('../', import.meta.url));

export function summariseProfiles(dir: string, top = 12): ThreadSummary[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  // Biggest first: the busiest threads of the run.
  files.sort((a, b) => statSync(path.join(dir, b)).size - statSync(path.join(dir, a)).size);
  return files.map((file) => summariseOne(path.join(dir, file), top));
}

function summariseOne(file: string, top: number): ThreadSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; it is the sample's share of the thread's time.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    total += micros;
    if (node.callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + micros);
  }
  const busy = total - idle;
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          ({ [key]: name, seconds: round(micros / 1e6), share: round(micros / Math.max(busy, 1)) }) as Record<K, string> & { seconds: number; share: number },
      );
  return {
    file: path.basename(file),
    seconds: round((profile.endTime - profile.startTime) / 1e6),
    busySeconds: round(busy / 1e6),
    areas: rank(areas, 'area'),
    functions: rank(functions, 'fn'),
  };
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return shortUrl(url);
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(REPO, '')
    .replace(/^.*node_modules\//, '');
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts DIR\n');
    process.exit(2);
  }
  for (const t of summariseProfiles(dir, 20)) {
    process.stdout.write(`\n${t.file}: ${t.seconds} s profiled, ${t.busySeconds} s busy\n`);
    for (const a of t.areas) process.stdout.write(`  ${(a.share * 100).toFixed(1).padStart(5)}%  ${a.seconds.toFixed(1).padStart(7)} s  ${a.area}\n`);
    process.stdout.write('  top functions (self time):\n');
    for (const f of t.functions) process.stdout.write(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.seconds.toFixed(1).padStart(7)} s  ${f.fn}\n`);
  }
}
