/**
 * Runs a throw-away or persistent PostgreSQL cluster from the distribution's server
 * binaries (Debian's `postgresql` package), for tests and CI. The app itself never needs
 * this: without DATABASE_URL it uses PGlite, and in production DATABASE_URL points at a
 * managed server. It exists so the suites run against the real thing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { chown, mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { assertPortFree, freePort, stopOnParentExit, tailFile } from './lib/processes.js';

/** The system user the server runs as when we are root (PostgreSQL refuses to run as root). */
const SERVER_USER = 'postgres';
/** A Unix socket path longer than this does not fit `sockaddr_un` (107 bytes incl. the file name). */
const MAX_SOCKET_DIR = 90;

/**
 * Returns the directory holding `initdb`, `pg_ctl` and `postgres`, or undefined when
 * there is no server installed — callers decide whether that is fatal (CI) or means
 * falling back to PGlite (a quick local run). Debian keeps them off PATH in
 * `/usr/lib/postgresql/<major>/bin`; the highest major wins.
 *
 * @example
 * findPostgresBinaries(); // '/usr/lib/postgresql/15/bin'
 */
export function findPostgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    for (const major of majors) {
      const bin = path.join(root, major, 'bin');
      if (hasServerBinaries(bin)) return bin;
    }
  }
  // Other distributions (and Debian's /usr/bin wrappers) put pg_ctl on PATH; follow the link
  // to where initdb and postgres sit beside it.
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'pg_ctl');
    if (!dir || !existsSync(candidate)) continue;
    try {
      const bin = path.dirname(realpathSync(candidate));
      if (hasServerBinaries(bin)) return bin;
    } catch {
      // A dangling link: keep looking.
    }
  }
  return undefined;
}

function hasServerBinaries(bin: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(path.join(bin, name)));
}

export interface StartPostgresServerOptions {
  /** The cluster directory; created and initialised when empty, reused when it holds a cluster. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 or undefined picks a free one. */
  port?: number;
  /** `fsync=off`, `synchronous_commit=off` and `initdb --no-sync`: fast and unsafe, for tests only (default false). */
  unsafeFast?: boolean;
  /** `max_connections` (default 200: many test files each open a pool). */
  maxConnections?: number;
  /** How long to wait for the server to accept connections (default 60 s). */
  readyTimeoutMs?: number;
}

export interface RunningPostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, local only). */
  url: string;
  /** Where the cluster actually lives (see the relocation note on {@link startPostgresServer}). */
  dataDir: string;
  /** The server log. */
  logFile: string;
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>;
}

/**
 * Initialises (when needed) and starts a PostgreSQL cluster, waits until it accepts
 * connections and returns its URL. Running as root, the server runs as the `postgres`
 * system user (created if missing), because PostgreSQL refuses root.
 *
 * That user must be able to reach `dataDir`. When a parent directory is closed to it
 * (e.g. a clone inside a `mktemp -d` or under `/root`), the cluster is created in a
 * private directory under the system temp dir instead, and `dataDir` in the result says
 * where. The server is stopped when the parent exits or is interrupted.
 *
 * @example
 * const pgServer = await startPostgresServer({ dataDir: '.data/test/pg', unsafeFast: true });
 * process.env.DATABASE_URL = pgServer.url;
 * // …
 * await pgServer.stop();
 */
export async function startPostgresServer(opts: StartPostgresServerOptions): Promise<RunningPostgresServer> {
  const bin = findPostgresBinaries();
  if (!bin) {
    throw new Error(
      'no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and for pg_ctl on PATH). ' + 'On Debian/Ubuntu: apt-get install -y postgresql',
    );
  }
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) owner = ensureServerUser();

  let dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    await chown(dataDir, owner.uid, owner.gid);
    if (!runAs(['test', '-w', dataDir, '-a', '-x', dataDir]).ok) {
      // The server user cannot traverse a parent directory; we must not loosen the
      // permissions of someone's home or clone, so the cluster goes where it can live.
      // Named after the requested path, so a persistent cluster is found again next time.
      const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
      dataDir = path.join(os.tmpdir(), `campaign-engine-pg-${hash}`);
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      if ((await stat(dataDir)).uid !== owner.uid && (await stat(dataDir)).uid !== 0) {
        throw new Error(`${dataDir} exists and belongs to someone else; remove it or choose another dataDir`);
      }
      await chown(dataDir, owner.uid, owner.gid);
      process.stderr.write(`PostgreSQL: ${opts.dataDir} is not reachable by the '${SERVER_USER}' user; using ${dataDir} instead.\n`);
    }
  }

  const unsafeFast = opts.unsafeFast ?? false;
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initCluster(bin, dataDir, unsafeFast);
  }

  const port = opts.port || (await freePort());
  await assertPortFree(port, '127.0.0.1', 'PostgreSQL port');
  const logFile = path.join(dataDir, 'server.log');
  const socketDir = dataDir.length <= MAX_SOCKET_DIR ? dataDir : '';
  const settings = [
    `-p ${port}`,
    `-k ${socketDir === '' ? "''" : quoteOption(socketDir)}`,
    '-c listen_addresses=127.0.0.1',
    `-c max_connections=${opts.maxConnections ?? 200}`,
    ...(unsafeFast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  const pgCtl = path.join(bin, 'pg_ctl');
  const timeoutS = Math.ceil((opts.readyTimeoutMs ?? 60_000) / 1000);
  // -w waits until the postmaster reports ready; pg_ctl detaches the server from our
  // process group, so a Ctrl-C reaches only us and we stop it in order.
  const started = await runAsAsync([pgCtl, 'start', '-w', '-t', String(timeoutS), '-D', dataDir, '-l', logFile, '-o', settings]);
  if (!started.ok) {
    throw new Error(`PostgreSQL did not start (pg_ctl exit ${started.code}).\n${started.output}\n  log: ${logFile}\n${indent(await tailFile(logFile, 30))}`);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      const result = await runAsAsync([pgCtl, 'stop', '-m', 'fast', '-w', '-D', dataDir]);
      if (!result.ok && !/not running|No such file/.test(result.output)) {
        throw new Error(`pg_ctl stop failed: ${result.output}`);
      }
    })();
    return stopping;
  };
  const unregister = stopOnParentExit({
    sync: () => {
      runAs([pgCtl, 'stop', '-m', 'immediate', '-D', dataDir]);
    },
    async: stop,
  });

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitForConnection(url, opts.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(`PostgreSQL started but does not accept connections at ${url}: ${(error as Error).message}\n${indent(await tailFile(logFile, 30))}`, {
      cause: error,
    });
  }
  return { url, dataDir, logFile, stop };
}

async function initCluster(bin: string, dataDir: string, unsafeFast: boolean): Promise<void> {
  const initdb = path.join(bin, 'initdb');
  const base = [initdb, '-D', dataDir, '-A', 'trust', '-U', 'postgres', '--encoding=UTF8', ...(unsafeFast ? ['--no-sync'] : [])];
  let result = await runAsAsync([...base, '--locale=C.UTF-8']);
  if (!result.ok && /locale|invalid locale name/i.test(result.output)) {
    // Minimal images may lack C.UTF-8; the plain C locale always exists and sorts bytewise.
    result = await runAsAsync([...base, '--locale=C']);
  }
  if (!result.ok) throw new Error(`initdb failed (exit ${result.code}):\n${indent(result.output)}`);
  // Keep initdb's report for whoever debugs the cluster later.
  await writeFile(path.join(dataDir, 'initdb.log'), result.output).catch(() => undefined);
}

async function waitForConnection(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** The uid/gid of the server user, creating it as a system user if it does not exist. */
function ensureServerUser(): { uid: number; gid: number } {
  let id = lookupUser();
  if (!id) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--home-dir', '/var/lib/postgresql', '--shell', '/bin/sh', SERVER_USER], {
      encoding: 'utf8',
    });
    id = lookupUser();
    if (!id) throw new Error(`could not create the '${SERVER_USER}' user (useradd: ${created.stderr || created.error?.message})`);
  }
  return id;
}

function lookupUser(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', SERVER_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', SERVER_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The argv that runs `command` as the server user when we are root, unchanged otherwise. */
function asServerUser(command: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command[0]!, command.slice(1)];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser') || existsSync('/usr/bin/runuser')) {
    return ['runuser', ['-u', SERVER_USER, '--', ...command]];
  }
  return ['su', [SERVER_USER, '-s', '/bin/sh', '-c', command.map(shellQuote).join(' ')]];
}

function runAs(command: string[]): { ok: boolean; output: string } {
  const [file, args] = asServerUser(command);
  const result = spawnSync(file, args, { encoding: 'utf8', cwd: '/' });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function runAsAsync(command: string[]): Promise<{ ok: boolean; code: number | null; output: string }> {
  const [file, args] = asServerUser(command);
  return new Promise((resolve) => {
    // cwd '/': the server user may not be allowed into ours, and initdb complains about it.
    const child = spawn(file, args, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-32_768);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => resolve({ ok: false, code: -1, output: `${output}${error.message}` }));
    child.once('close', (code) => resolve({ ok: code === 0, code, output: output.trimEnd() }));
  });
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** pg_ctl passes -o through a shell; quote paths with spaces. */
function quoteOption(value: string): string {
  return shellQuote(value);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
