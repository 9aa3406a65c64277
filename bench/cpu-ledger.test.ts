import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuBetween, partOf, readCpu, type CpuPart, type CpuReading } from './cpu-ledger.js';

const reading = (at: number, pids: Array<[number, { part: CpuPart; seconds: number }]>, total: number, idle: number): CpuReading => ({
  at,
  byPid: new Map(pids),
  machine: { total, idle },
});

describe('cpu ledger', () => {
  it('names the bench processes by their command line', () => {
    expect(partOf('node bench/main.ts --shape small', 10, 10)).toBe('harness');
    expect(partOf('/repo/node_modules/node/bin/node --import tsx worker/main.ts', 11, 10)).toBe('workers');
    expect(partOf('/root/.cache/campaign-engine/temporal-v1.5.1/temporal server start-dev --ip 127.0.0.1', 12, 10)).toBe('temporalServer');
    expect(partOf('/root/.cache/campaign-engine/temporal-server-v1.29.1/temporal-server --root /x start', 13, 10)).toBe('temporalServer');
    expect(partOf('/usr/lib/postgresql/15/bin/postgres -D /d -p 5432', 14, 10)).toBe('postgres');
    expect(partOf('postgres: postgres bench_1 127.0.0.1(4972) idle', 15, 10)).toBe('postgres');
    expect(partOf('/repo/node_modules/node/bin/node --import tsx api/main.ts', 17, 10)).toBe('api');
    expect(partOf('sh -c tsx bench/main.ts', 16, 10)).toBe('other');
  });

  it('counts what each part used between two readings, per unit, and the processes lost', () => {
    const from = reading(
      0,
      [
        [1, { part: 'harness', seconds: 10 }],
        [2, { part: 'workers', seconds: 5 }],
        [3, { part: 'workers', seconds: 7 }],
        [4, { part: 'postgres', seconds: 1 }],
      ],
      1000,
      600,
    );
    const to = reading(
      20_000,
      [
        [1, { part: 'harness', seconds: 12 }],
        [2, { part: 'workers', seconds: 9 }],
        [4, { part: 'postgres', seconds: 2 }],
        [5, { part: 'postgres', seconds: 0.5 }],
        [6, { part: 'temporalServer', seconds: 3 }],
      ],
      5000,
      1600,
    );
    const span = cpuBetween(from, to, 100);
    expect(span.cpuSeconds).toEqual({ harness: 2, api: 0, workers: 4, temporalServer: 3, postgres: 1.5, other: 0 });
    expect(span.cpuMsPerUnit).toEqual({ harness: 20, api: 0, workers: 40, temporalServer: 30, postgres: 15, other: 0, total: 105 });
    expect(span.machineBusyPercent).toBe(75);
    expect(span.seconds).toBe(20);
    expect(span.processesLost).toBe(1);
  });

  it('finds this process and a child it started on the real /proc', async () => {
    const child = spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 300); setTimeout(() => {}, 2000)']);
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const now = readCpu();
      expect(now.byPid.get(process.pid)?.part).toBe('harness');
      expect(now.byPid.get(child.pid!)?.part).toBe('other');
      expect(now.byPid.get(child.pid!)!.seconds).toBeGreaterThan(0.1);
    } finally {
      child.kill();
    }
  });
});
