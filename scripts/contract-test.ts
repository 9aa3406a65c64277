/**
 * `npm run test:contract`: the API against its own OpenAPI document, fuzzed by Schemathesis.
 *
 * It starts what the tests start — a headless Temporal dev server and a PostgreSQL cluster on
 * free ports under `.data/contract/` (the launchers in scripts/) — then a worker and the API
 * listening on a free port, and runs the demo campaign of `npm start` (scripts/demo.ts: 40 orgs,
 * campaign `demo-2019`, some recorded work). Then Schemathesis runs against `<api>/openapi.json`
 * once per role:
 *
 * - `anonymous`: no token at all;
 * - `secretary`: a branch secretary's token (`tj-d1-u1-b1`), issued through `POST /tokens` just
 *   before its pass (and checked to authenticate);
 * - `admin`: the bootstrap admin token, last (it may revoke tokens and close the campaign).
 *
 * Every pass runs every check (`--checks all`) in all four phases (examples, coverage, fuzzing,
 * stateful) with a fixed seed, a bounded number of examples per operation and no example
 * database, so a run is reproducible. The script exits non-zero when any pass fails, after
 * printing Schemathesis's report of the failing pass; each pass's report (`output.txt`) and
 * JUnit file go to `.data/contract/<role>/`.
 *
 * Checks excluded: none. Two settings depart from Schemathesis's defaults, for rules no OpenAPI
 * document can state (test/contract/schemathesis.toml gives the reasons in full):
 * `positive_data_acceptance` also accepts 422, the API's status for a schema-valid request the
 * domain refuses (an org that does not exist, a reused Idempotency-Key); and the opaque `cursor`
 * query parameter is sent empty, since only a cursor this API wrote is valid. The same file
 * steers half the generated campaign and org ids to the demo campaign's, so requests reach
 * real workflows and read models.
 *
 * Schemathesis comes from a virtualenv the script makes when it is missing, under
 * `${XDG_CACHE_HOME:-~/.cache}/campaign-engine/schemathesis-<version>`, with every Python
 * package pinned (test/contract/requirements.txt), made with pyenv's Python 3.13 or 3.12 where
 * there is one (`choosePython` says why), else `python3` with the `venv` module (Debian:
 * `python3-venv`, which .ci/run installs).
 *
 * Settings (environment): `CONTRACT_MAX_EXAMPLES` (default below), `CONTRACT_ROLES` (a
 * comma-separated subset of the roles, to iterate on one), `CONTRACT_SEED`, `CONTRACT_WORKERS`,
 * `TEMPORAL_CLI_PATH` as for the launcher.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { buildApp } from '../api/app.js';
import { createMigratedDatabase } from '../db/fresh.js';
import { createWorker } from '../worker/create-worker.js';
import { runDemo } from './demo.js';
import { startPostgresServer } from './postgres-server.js';
import { startTemporalServer } from './temporal-server.js';

export const SCHEMATHESIS_VERSION = '4.32.5';
/** Examples per operation and phase: chosen so the three passes together stay within ~8 minutes on the 2-core CI machine. */
const DEFAULT_MAX_EXAMPLES = 25;
const DEFAULT_SEED = 20191001;
/**
 * In this order: the admin's pass may revoke tokens (its stateful phase follows `GET /tokens`
 * to `DELETE /tokens/{id}`), re-import the tree or close the demo campaign, so it runs last.
 */
const ROLES = ['anonymous', 'secretary', 'admin'] as const;
type Role = (typeof ROLES)[number];
/** The branch whose secretary the `secretary` pass acts as: a leaf of the demo tree. */
const SECRETARY_ORG = 'tj-d1-u1-b1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The two settings that depart from Schemathesis's defaults, each with its reason. */
const CONFIG_FILE = path.join(root, 'test', 'contract', 'schemathesis.toml');
const log = (line: string) => process.stdout.write(`• ${line}\n`);

/**
 * The Python the venv is made with: `PYTHON` when set, else the newest pyenv Python 3.13 or
 * 3.12 when the machine has one (these machines do, under ~/.pyenv), else `python3`.
 * Why not simply `python3` (3.11 here): on CPython 3.11.7, Hypothesis (inside Schemathesis)
 * crashed in the coverage phase of `POST /campaigns/{id}/close` with "SystemError: AST
 * constructor recursion depth mismatch", a CPython bug, not a finding; on 3.13.0 the same
 * seed runs clean (measured 2026-12-06, `CONTRACT_ROLES=admin npm run test:contract`).
 */
function choosePython(): { python: string; version: string } {
  const pyenvRoot = process.env.PYENV_ROOT || path.join(process.env.HOME || os.homedir(), '.pyenv');
  const pyenv = ['3.13', '3.12'].flatMap((minor) => {
    try {
      return readdirSync(path.join(pyenvRoot, 'versions'))
        .filter((v) => v === minor || v.startsWith(`${minor}.`))
        .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
        .map((v) => path.join(pyenvRoot, 'versions', v, 'bin', 'python3'));
    } catch {
      return [];
    }
  });
  for (const python of [process.env.PYTHON, ...pyenv, 'python3'].filter((p): p is string => !!p)) {
    const probe = spawnSync(python, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  throw new Error('Schemathesis needs python3 with the venv module (Debian: apt-get install python3-venv)');
}

/**
 * The virtualenv holding the pinned Schemathesis, made when missing or when
 * test/contract/requirements.txt changed since it was made (a stamp of the file's hash is
 * written after a complete install); returns its `schemathesis` executable.
 */
export function ensureSchemathesis(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || os.homedir(), '.cache');
  const { python, version: pythonVersion } = choosePython();
  const venv = path.join(cacheHome, 'campaign-engine', `schemathesis-${SCHEMATHESIS_VERSION}-py${pythonVersion}`);
  const cli = path.join(venv, 'bin', 'schemathesis');
  const requirements = path.join(root, 'test', 'contract', 'requirements.txt');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const stamp = path.join(venv, '.requirements.sha256');
  const version = () => spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted && version()?.endsWith(SCHEMATHESIS_VERSION)) return cli;

  log(`installing Schemathesis ${SCHEMATHESIS_VERSION} into ${venv} (once per machine)…`);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  };
  // --clear: a half-made venv from an interrupted install is made again.
  try {
    run(python, ['-m', 'venv', '--clear', venv]);
  } catch (error) {
    throw new Error(`${(error as Error).message}: Schemathesis needs python3 with the venv module (Debian: apt-get install python3-venv)`, { cause: error });
  }
  const pip = path.join(venv, 'bin', 'pip');
  run(pip, ['install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', requirements]);
  const installed = version();
  if (!installed?.endsWith(SCHEMATHESIS_VERSION)) throw new Error(`expected Schemathesis ${SCHEMATHESIS_VERSION} in ${venv}, found ${installed}`);
  writeFileSync(stamp, `${wanted}\n`);
  return cli;
}

/**
 * Runs one Schemathesis pass with its report written to `<reportDir>/output.txt`; resolves to its
 * exit code and that report.
 *
 * Why not straight to our output: Schemathesis closes its report with a pytest-style rule
 * (`===== 3 warnings in 78.44s =====`), which whoever reads a CI log for a test runner's summary
 * takes for "no test ran" (the landings at stops 20 and 21 were read so, although `npm test`
 * ran 335 tests after it). A passing pass prints its "Test cases" count instead; a failing pass
 * prints the whole report, which is what anyone needs then.
 */
async function schemathesis(cli: string, args: string[], reportDir: string): Promise<{ code: number; output: string }> {
  const file = path.join(reportDir, 'output.txt');
  const out = openSync(file, 'w');
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(cli, args, { cwd: reportDir, stdio: ['ignore', out, out], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
      child.on('error', reject);
      child.on('exit', (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
    return { code, output: readFileSync(file, 'utf8') };
  } finally {
    closeSync(out);
  }
}

/** The counts of a passing report: its "Test cases:" line ("5882 generated, 5882 passed"). */
export function testCases(output: string): string {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.trim() === 'Test cases:');
  const counts = at < 0 ? undefined : lines[at + 1]?.trim();
  return counts || 'no "Test cases:" line in the report';
}

async function main(): Promise<number> {
  const roles = (process.env.CONTRACT_ROLES?.split(',').map((r) => r.trim()) ?? [...ROLES]) as Role[];
  for (const role of roles) if (!ROLES.includes(role)) throw new Error(`CONTRACT_ROLES: unknown role ${role} (roles: ${ROLES.join(', ')})`);
  const maxExamples = Number(process.env.CONTRACT_MAX_EXAMPLES || DEFAULT_MAX_EXAMPLES);
  const seed = Number(process.env.CONTRACT_SEED || DEFAULT_SEED);
  const workers = process.env.CONTRACT_WORKERS || '2';

  const cli = ensureSchemathesis();

  const dataDir = path.resolve(root, process.env.DATA_DIR || '.data', 'contract');
  await mkdir(dataDir, { recursive: true });
  // Each run keeps its Temporal log for a post-mortem; a day later it is only clutter.
  for (const name of await readdir(dataDir)) {
    const file = path.join(dataDir, name);
    if (/^temporal-\d+\.log$/.test(name) && (await stat(file)).mtimeMs < Date.now() - 24 * 3600_000) await rm(file, { force: true });
  }
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
  };
  Runtime.install({ logger: new DefaultLogger('WARN') });
  try {
    log('Temporal dev server and PostgreSQL…');
    const temporalStarting = startTemporalServer({ uiPort: false, logLevel: 'warn', logFile: path.join(dataDir, `temporal-${process.pid}.log`) });
    cleanups.push(async () => (await temporalStarting.catch(() => undefined))?.stop());
    const requested = await mkdtemp(path.join(dataDir, 'pg-'));
    const postgres = await startPostgresServer({ dataDir: requested, unsafeFast: true });
    cleanups.push(async () => {
      await postgres.stop();
      await rm(postgres.dataDir, { recursive: true, force: true });
      await rm(requested, { recursive: true, force: true });
    });
    const temporal = await temporalStarting;
    const db = await createMigratedDatabase(postgres.url, 'contract');
    cleanups.push(() => db.close());

    log('worker…');
    const taskQueue = `contract-${randomBytes(4).toString('hex')}`;
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const { worker, close } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue, db: db.kysely, clientConnection: connection });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await close();
    });

    log('API…');
    const adminToken = `admin_${randomBytes(24).toString('base64url')}`;
    const app = await buildApp({ db: db.kysely, temporal: { client, taskQueue }, adminToken });
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const api = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    log('demo campaign…');
    log(await runDemo(app, adminToken));
    const admin = { authorization: `Bearer ${adminToken}` };
    /** The token a pass sends, made just before it; undefined for the anonymous pass. */
    const tokenFor = async (role: Role): Promise<string | undefined> => {
      if (role === 'anonymous') return undefined;
      if (role === 'admin') return adminToken;
      const issued = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: admin,
        payload: { role: 'secretary', orgId: SECRETARY_ORG, label: 'contract test' },
      });
      if (issued.statusCode !== 201) throw new Error(`issuing the secretary's token answered ${issued.statusCode}: ${issued.body}`);
      const token = issued.json().token as string;
      const check = await app.inject({ method: 'GET', url: `/orgs/${SECRETARY_ORG}`, headers: { authorization: `Bearer ${token}` } });
      if (check.statusCode !== 200) throw new Error(`the secretary's fresh token does not read its own org: ${check.statusCode} ${check.body}`);
      return token;
    };

    const results: Array<{ role: Role; code: number; seconds: number }> = [];
    for (const role of roles) {
      const token = await tokenFor(role);
      const reportDir = path.join(dataDir, role);
      // A fresh directory per pass, which is also Schemathesis's working directory: its cache of
      // earlier failures (`.schemathesis/`) must not carry over from one run or pass to the next.
      await rm(reportDir, { recursive: true, force: true });
      await mkdir(reportDir, { recursive: true });
      const args = [
        '--config-file',
        CONFIG_FILE,
        'run',
        `${api}/openapi.json`,
        '--checks',
        'all',
        '--phases',
        'examples,coverage,fuzzing,stateful',
        '--seed',
        String(seed),
        '--max-examples',
        String(maxExamples),
        '--workers',
        workers,
        '--continue-on-failure',
        '--generation-database',
        'none',
        '--request-timeout',
        '30',
        '--report',
        'junit',
        '--report-dir',
        reportDir,
        ...(token ? ['-H', `Authorization: Bearer ${token}`] : []),
        '--no-color',
      ];
      process.stdout.write(`\n==> Schemathesis as ${role} (${SCHEMATHESIS_VERSION}, seed ${seed}, --max-examples ${maxExamples}, --workers ${workers})\n`);
      const started = Date.now();
      const { code, output } = await schemathesis(cli, args, reportDir);
      const seconds = Math.round((Date.now() - started) / 1000);
      results.push({ role, code, seconds });
      if (code !== 0) process.stdout.write(output);
      else process.stdout.write(`test cases: ${testCases(output)}\n`);
      process.stdout.write(`<== ${role}: exit ${code}, ${seconds} s (report: ${path.relative(root, path.join(reportDir, 'output.txt'))})\n`);
    }

    process.stdout.write(
      `\ncontract test: ${results.map((r) => `${r.role} ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`).join('; ')}\n`,
    );
    return results.every((r) => r.code === 0) ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error);
  return 1;
});
// Whatever a library left open (a timer, a socket), the run is over.
process.exit(process.exitCode);
