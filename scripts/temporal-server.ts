/**
 * Finds and runs the Temporal dev server (`temporal server start-dev`) for `npm start`,
 * the test global setup and CI, with the project's custom search attributes registered.
 *
 * Where the CLI comes from, in order: `TEMPORAL_CLI_PATH`; `temporal` on PATH; the cache
 * `${XDG_CACHE_HOME:-~/.cache}/campaign-engine/temporal-v1.5.1/temporal`; a `go install`
 * into that cache when Go is available; and, last, the Temporal SDK's own download of the
 * CLI (which can only *run* a server, so it is a fallback inside `startTemporalServer`).
 * v1.5.1 is pinned because later CLI versions carry a `replace` directive that `go install`
 * refuses. Every server started here runs with config/temporal-server.ts's settings (the
 * per-workflow limit on updates in flight, raised for several worker processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SERVER_DYNAMIC_CONFIG } from '../config/temporal-server.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { assertPortFree, freePort, isExecutableFile, stopOnParentExit, tailFile, terminate, whichExecutable } from './lib/processes.js';

/** The CLI release we build and test against. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * The directory the pinned CLI is built into and looked up in; outside the clone so
 * every clone and CI run on the machine shares one build (it takes minutes).
 *
 * @example
 * temporalCliCacheDir(); // '/root/.cache/campaign-engine/temporal-v1.5.1'
 */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cacheHome, 'campaign-engine', `temporal-${TEMPORAL_CLI_VERSION}`);
}

/** Thrown by {@link findTemporalCli} when no CLI binary can be found or built. */
export class TemporalCliNotFoundError extends Error {
  constructor(readonly lookedAt: string[]) {
    super(
      `no Temporal CLI found. Looked at:\n${lookedAt.map((l) => `  - ${l}`).join('\n')}\n` +
        `Install it (https://docs.temporal.io/cli), set TEMPORAL_CLI_PATH, or install Go and run:\n` +
        `  GOBIN=${temporalCliCacheDir()} go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`,
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

export interface FindTemporalCliOptions {
  /** Build with `go install` when nothing else is found (default true). */
  build?: boolean;
  /** Where progress lines go (default stderr); the build is silent otherwise for minutes. */
  log?: (line: string) => void;
}

/**
 * Returns the path of a Temporal CLI binary, building the pinned version with Go into the
 * shared cache when none exists, so a fresh machine needs no manual install step.
 *
 * @example
 * const cli = await findTemporalCli();
 * // spawn(cli, ['server', 'start-dev', '--headless'])
 */
export async function findTemporalCli(options: FindTemporalCliOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const lookedAt: string[] = [];

  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (await isExecutableFile(fromEnv)) return fromEnv;
    // An explicit setting that points nowhere is a mistake to report, not to paper over.
    throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
  }
  lookedAt.push('TEMPORAL_CLI_PATH (unset)');

  const onPath = await whichExecutable('temporal');
  if (onPath) return onPath;
  lookedAt.push('`temporal` on PATH (not found)');

  const cacheDir = temporalCliCacheDir();
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutableFile(cached)) return cached;
  lookedAt.push(`${cached} (not there)`);

  const go = await whichExecutable('go');
  if (go && options.build !== false) {
    log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheDir} — this takes a few minutes, once per machine…`);
    await mkdir(cacheDir, { recursive: true });
    const started = Date.now();
    const { code, output } = await runCollecting(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      ...process.env,
      GOBIN: cacheDir,
    });
    if (code === 0 && (await isExecutableFile(cached))) {
      log(`Built ${cached} in ${Math.round((Date.now() - started) / 1000)} s.`);
      return cached;
    }
    lookedAt.push(`go install with ${go} (failed, exit ${code}):\n${indent(lastLines(output, 20))}`);
  } else {
    lookedAt.push(go ? 'go install (disabled)' : '`go` on PATH (not found, cannot build)');
  }
  throw new TemporalCliNotFoundError(lookedAt);
}

export interface StartTemporalServerOptions {
  /** Frontend gRPC port; 0 or undefined picks a free one. */
  port?: number;
  /** Web UI port; 0 or undefined picks a free one; `false` runs headless. */
  uiPort?: number | false;
  /** SQLite file to persist to; undefined keeps everything in memory. */
  dbFile?: string;
  /** Namespace to create at launch besides `default` (default: `default`). */
  namespace?: string;
  /** Server log level: debug, info, warn, error, never (default warn). */
  logLevel?: string;
  /**
   * `--dynamic-config-value KEY=<json>` pairs, on top of `SERVER_DYNAMIC_CONFIG`
   * (config/temporal-server.ts), which every server of this project runs with; a key given
   * here overrides it.
   */
  dynamicConfig?: Record<string, unknown>;
  /** Interface to bind (default 127.0.0.1: the dev server has no authentication). */
  ip?: string;
  /** Where the server's stdout/stderr go (default: beside dbFile, else under DATA_DIR/logs). */
  logFile?: string;
  /** How long to wait for the server to answer (default 60 s). */
  readyTimeoutMs?: number;
  /** An explicit CLI binary, skipping {@link findTemporalCli}. */
  cliPath?: string;
}

export interface RunningTemporalServer {
  /** `host:port` of the frontend, for `Connection.connect({ address })`. */
  address: string;
  /** The Web UI, unless headless. */
  uiUrl?: string;
  /** The server's output. */
  logFile: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with the project's search attributes and waits until
 * its frontend answers, so callers can connect immediately. Output goes to a log file;
 * if the server exits or does not answer within the timeout, the error carries its last
 * lines. The server is stopped when the parent exits or is interrupted.
 *
 * With `dbFile`, state survives restarts (SQLite in WAL mode, so the UI and the server
 * do not block each other); starting again on the same file with the same search
 * attributes is supported.
 *
 * @example
 * const temporal = await startTemporalServer({ uiPort: false, logLevel: 'warn' });
 * const connection = await Connection.connect({ address: temporal.address });
 * // …
 * await temporal.stop();
 */
export async function startTemporalServer(opts: StartTemporalServerOptions = {}): Promise<RunningTemporalServer> {
  // A port found free can be taken before the server binds it: free ports come from the
  // kernel's ephemeral range, which outgoing connections draw from too (a bench run with
  // hundreds of database connections lost a start that way). Ports we chose are chosen
  // again, twice at most; ports the caller gave are its own to fix.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/.test(error.message);
      if (!portTaken || opts.port || attempt === 3) throw error;
      process.stderr.write(`Temporal dev server: a port was taken during start-up; starting again on other ports\n`);
    }
  }
}

async function startOnce(opts: StartTemporalServerOptions): Promise<RunningTemporalServer> {
  let cli: string | undefined = opts.cliPath;
  let notFound: TemporalCliNotFoundError | undefined;
  if (!cli) {
    try {
      cli = await findTemporalCli();
    } catch (error) {
      if (!(error instanceof TemporalCliNotFoundError)) throw error;
      notFound = error;
    }
  }
  if (!cli) return startWithSdkDownload(opts, notFound!);

  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freePort(ip));
  const uiPort = opts.uiPort === false ? false : opts.uiPort || (await freePort(ip));
  const logFile = await prepareLogFile(opts, port);
  await assertPortFree(port, ip, 'Temporal frontend port');
  if (uiPort !== false) await assertPortFree(uiPort, ip, 'Temporal UI port');

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', opts.logLevel ?? 'warn'];
  args.push(...(uiPort === false ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (opts.dbFile) {
    await mkdir(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(opts.dbFile), '--sqlite-pragma', 'journal_mode=wal');
  }
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  args.push(...searchAttributeArgs());
  args.push(...dynamicConfigArgs(opts));

  // The child writes straight into the file: no pipe for the parent to drain, and the log
  // survives the parent being killed.
  // A header per start, so the tail quoted in an error is this start's and not a previous one's.
  appendFileSync(logFile, `\n--- ${new Date().toISOString()} ${cli} ${args.join(' ')}\n`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cli, args, { stdio: ['ignore', fd, fd], env: process.env });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      await terminate(child, 10_000);
    })();
    return stopping;
  };
  const unregister = stopOnParentExit({
    sync: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
    async: stop,
  });

  const address = `${ip}:${port}`;
  const failure = async (why: string): Promise<Error> => {
    // A bind failure is logged first, then buried under a panic's stack: look further back for it.
    const lines = (await tailFile(logFile, 400)).split('\n');
    const cause = lines.some((l) => l.includes('address already in use')) ? ' (address already in use)' : '';
    return new Error(`Temporal dev server ${why}${cause}.\n  command: ${cli} ${args.join(' ')}\n  log: ${logFile}\n${indent(lines.slice(-30).join('\n'))}`);
  };
  try {
    await Promise.race([
      waitUntilAnswering(address, opts.namespace ?? 'default', opts.readyTimeoutMs ?? 60_000),
      exited.then(async ({ code, signal }) => {
        throw await failure(`exited during start-up (code ${code}, signal ${signal})`);
      }),
      spawnError.then(async (error) => {
        throw await failure(`could not be spawned (${error.message})`);
      }),
    ]);
  } catch (error) {
    await stop();
    if (error instanceof NotReadyError) throw await failure(`did not answer within ${opts.readyTimeoutMs ?? 60_000} ms (${error.message})`);
    throw error;
  }
  // A server that dies later must not go unnoticed until the next connection error.
  void exited.then(({ code, signal }) => {
    if (!stopping) process.stderr.write(`Temporal dev server at ${address} exited unexpectedly (code ${code}, signal ${signal}); see ${logFile}\n`);
  });
  return {
    address,
    ...(uiPort === false ? {} : { uiUrl: `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}` }),
    logFile,
    stop,
  };
}

/** `--dynamic-config-value KEY=<json>` for the project's server settings and the caller's. */
function dynamicConfigArgs(opts: StartTemporalServerOptions): string[] {
  return Object.entries({ ...SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig }).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}

/** `--search-attribute Name=Type` for every attribute the workflows use. */
function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.type}`]);
}

class NotReadyError extends Error {}

/**
 * Polls until the frontend answers and the namespace has every custom search attribute:
 * a server that answers but lacks them would fail the first workflow start much later
 * with a far less helpful message. `--search-attribute` registers attributes only in a new
 * SQLite file (measured with CLI 1.5.1: a second start on the same file with one more
 * attribute left it out), so attributes added since the file was made (`ParentOrgId`, say)
 * are registered here.
 */
async function waitUntilAnswering(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  let registered = false;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = SEARCH_ATTRIBUTES.filter((a) => !customAttributes || !(a.name in customAttributes)).map((a) => a.name);
      if (missing.length === 0) {
        // After registering, the namespace cache takes seconds to know them: a query on them succeeding means starts will too.
        if (registered)
          await connection.workflowService.countWorkflowExecutions({ namespace, query: SEARCH_ATTRIBUTES.map((a) => `${a.name} IS NULL`).join(' AND ') });
        return;
      }
      lastError = `search attributes missing in namespace ${namespace}: ${missing.join(', ')}`;
      // temporal.api.enums.v1.IndexedValueType: KEYWORD = 2, INT = 3.
      const searchAttributes = Object.fromEntries(
        SEARCH_ATTRIBUTES.filter((a) => missing.includes(a.name)).map((a) => [a.name, a.type === 'Int' ? 3 : 2] as const),
      );
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
      registered = true;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new NotReadyError(lastError);
}

async function prepareLogFile(opts: StartTemporalServerOptions, port: number): Promise<string> {
  const logFile = path.resolve(
    opts.logFile ??
      (opts.dbFile
        ? path.join(path.dirname(path.resolve(opts.dbFile)), 'temporal-server.log')
        : path.join(process.env.DATA_DIR || '.data', 'logs', `temporal-${port}.log`)),
  );
  await mkdir(path.dirname(logFile), { recursive: true });
  return logFile;
}

/**
 * Last resort when no CLI binary exists and Go is absent: the SDK downloads the CLI into
 * the cache directory and runs it. It can only run a server, not hand us a binary.
 */
async function startWithSdkDownload(opts: StartTemporalServerOptions, notFound: TemporalCliNotFoundError): Promise<RunningTemporalServer> {
  process.stderr.write('No Temporal CLI found locally; asking the Temporal SDK to download one (needs internet)…\n');
  // Loaded lazily: @temporalio/testing pulls in the native worker runtime.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freePort(ip));
  const uiPort = opts.uiPort === false ? false : opts.uiPort || (await freePort(ip));
  const extraArgs: string[] = [];
  if (opts.dbFile) {
    await mkdir(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    extraArgs.push('--sqlite-pragma', 'journal_mode=wal');
  }
  extraArgs.push(...dynamicConfigArgs(opts));
  let env: Awaited<ReturnType<typeof TestWorkflowEnvironment.createLocal>>;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: path.dirname(temporalCliCacheDir()) },
        ip,
        port,
        ...(uiPort === false ? { ui: false } : { ui: true, uiPort }),
        ...(opts.dbFile ? { dbFilename: path.resolve(opts.dbFile) } : {}),
        namespace: opts.namespace ?? 'default',
        log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
        extraArgs,
        searchAttributes: SEARCH_ATTRIBUTES.map((a) =>
          defineSearchAttributeKey(a.name, a.type === 'Int' ? SearchAttributeType.INT : SearchAttributeType.KEYWORD),
        ),
      },
    });
  } catch (error) {
    throw new Error(`${notFound.message}\nThe SDK download fallback failed too: ${(error as Error).message}`, { cause: error });
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      await env.teardown();
    })();
    return stopping;
  };
  // No process handle here; the SDK's runtime kills its server when the parent exits.
  const unregister = stopOnParentExit({ sync: () => undefined, async: stop });
  return {
    address: env.address,
    ...(uiPort === false ? {} : { uiUrl: `http://${ip}:${uiPort}` }),
    logFile: '(managed by the Temporal SDK)',
    stop,
  };
}

function runCollecting(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-32_768);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => resolve({ code: -1, output: `${output}\n${error.message}` }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
