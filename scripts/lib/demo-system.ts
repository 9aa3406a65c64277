/**
 * The demo system the screenshot scripts photograph: `npm start` (scripts/start.ts) in a data
 * folder of its own on free ports, and the API calls that dress its demo campaign. Shared by
 * `npm run screenshots` (the console) and `npm run screenshots:temporal-ui` (the Temporal UI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { freePort } from './processes.js';
import path from 'node:path';

/** The demo campaign `npm start` creates on its first start (scripts/demo.ts). */
export const CAMPAIGN = 'demo-2019';

export interface DemoSystem {
  /** The API and console. */
  url: string;
  /** An admin token. */
  token: string;
  /** The Temporal frontend (`host:port`) and its Web UI. */
  temporalAddress: string;
  uiUrl: string;
  child: ChildProcess;
}

/** `npm start` in its own data folder (`.data/<name>`) and ports; resolves once it says it is running. */
export async function startSystem(name: string): Promise<DemoSystem> {
  const dataDir = path.resolve('.data', name);
  if (process.env.SCREENSHOTS_FRESH !== '0') await rm(dataDir, { recursive: true, force: true });
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  // Its own embedded database and Temporal dev server, whatever this shell points at.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    // No metrics endpoints: their fixed default ports may be taken by another `npm start` on the machine.
    WORKER_METRICS_ADDRESS: '',
    API_METRICS_ADDRESS: '',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'ADMIN_TOKEN']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('scripts/start.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up in 5 minutes:\n${output}`)), 300_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
      if (output.includes('campaign-engine is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
  return { url: `http://localhost:${port}`, token, temporalAddress: `127.0.0.1:${temporalPort}`, uiUrl: `http://127.0.0.1:${uiPort}`, child };
}

export async function api(url: string, token: string, method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/**
 * On a system this script started (never on one it reuses): the demo plus a district whose
 * concentrated study is done (green) and one with an item past its deadline (red), so the
 * pictures show all three colours. Through the API, as an organiser would.
 */
export async function scenery(url: string, token: string): Promise<void> {
  const org = (id: string, rest: string) => `/campaigns/${CAMPAIGN}/orgs/${id}${rest}`;
  const day = (ago: number) => new Date(Date.now() + 8 * 3600_000 - ago * 86_400_000).toISOString().slice(0, 10);
  for (let d = 0; d < 6; d++) {
    await api(url, token, 'POST', org('tj-d2', '/study-sessions'), {
      sessionId: `shot-${d}`,
      date: day(12 - d),
      kind: 'concentrated',
      hours: 3,
      attendance: 40,
    });
  }
  await api(url, token, 'POST', org('tj-d1', '/problems'), {
    problemId: 'shot-p1',
    source: 'research',
    category: '为基层减负',
    description: '督查检查考核过多过频，基层迎检负担重',
  });
  await api(url, token, 'POST', org('tj-d1', '/problems/shot-p1/plan'), {
    owner: '区委办公室',
    measures: '合并督查检查事项，压减三成',
    deadline: new Date(Date.now() + 3000).toISOString(),
  });
  await api(url, token, 'POST', org('tj-d1', '/problems/shot-p1/start'), {});
  for (let i = 0; i < 30; i++) {
    const d1 = await api(url, token, 'GET', org('tj-d1', ''));
    if (((d1.own as Record<string, number>).overdue ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
