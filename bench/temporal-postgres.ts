/**
 * Temporal server v1.29.1 on PostgreSQL, for the shapes the dev server cannot carry.
 *
 * The CLI's dev server is one history shard on one SQLite connection: every workflow's
 * writes queue behind each other, which is what bounds a 38,000-workflow cascade. The real
 * server spreads workflows over `numHistoryShards` shards, each with its own persistence
 * queue, and keeps them in PostgreSQL with a connection pool. This launcher gives the
 * benchmarks that server without Docker:
 *
 * 1. binaries built once with Go into the shared cache, outside the clone —
 *    `GOBIN=~/.cache/campaign-engine/temporal-server-v1.29.1 go install
 *    go.temporal.io/server/cmd/server@v1.29.1 go.temporal.io/server/cmd/tools/sql@v1.29.1`;
 * 2. two fresh databases (history and visibility) on the run's PostgreSQL, set up with the
 *    module's own versioned schema through its SQL tool;
 * 3. a config file written for this run (free ports for every service, the shard count
 *    asked for, no metrics or pprof), and the server started with all four services in
 *    one process;
 * 4. the `default` namespace registered and the project's search attributes added (SQL
 *    visibility has a fixed number of slots per type; we need 4 Keyword and 2 Int).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import net from 'node:net';
import { dynamicConfigYaml, SERVER_DYNAMIC_CONFIG, SINGLE_PARTITION_CONFIG } from '../config/temporal-server.js';
import { stopOnParentExit, tailFile, terminate } from '../scripts/lib/processes.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { say, sleep } from './live.js';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface PostgresTemporal {
  address: string;
  description: string;
  stop(): Promise<void>;
}

/** Where the server and SQL-tool binaries are cached. */
export function serverCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(cacheHome, 'campaign-engine', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

const BUILD_HINT = (dir: string) =>
  `GOBIN=${dir} go install go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION} go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`;

/** The module's schema directory (postgresql/v12), from Go's module cache where `go install` left it. */
function schemaDir(): string {
  const fromGo = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  const modCache = fromGo.status === 0 ? fromGo.stdout.trim() : path.join(os.homedir(), 'go', 'pkg', 'mod');
  const dir = path.join(modCache, 'go.temporal.io', `server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(dir)) throw new Error(`Temporal's SQL schema is not at ${dir}; it arrives in Go's module cache with: ${BUILD_HINT(serverCacheDir())}`);
  return dir;
}

export async function startPostgresTemporal(opts: { postgresUrl: string; shards: number; dataDir: string }): Promise<PostgresTemporal> {
  const bin = serverCacheDir();
  const server = path.join(bin, 'server');
  const sqlTool = path.join(bin, 'sql');
  if (!existsSync(server) || !existsSync(sqlTool))
    throw new Error(`no Temporal server ${TEMPORAL_SERVER_VERSION} in ${bin}; build it once with:\n  ${BUILD_HINT(bin)}`);
  const schema = schemaDir();

  const pg = new URL(opts.postgresUrl);
  const name = `temporal_${randomBytes(4).toString('hex')}`;
  const sqlArgs = (db: string) => [
    '--plugin',
    'postgres12',
    '--ep',
    pg.hostname,
    '-p',
    pg.port || '5432',
    '-u',
    decodeURIComponent(pg.username || 'postgres'),
    ...(pg.password ? ['--pw', decodeURIComponent(pg.password)] : []),
    '--db',
    db,
  ];
  for (const [db, versioned] of [
    [name, path.join(schema, 'temporal', 'versioned')],
    [`${name}_vis`, path.join(schema, 'visibility', 'versioned')],
  ] as const) {
    for (const step of [['create'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', versioned]]) {
      const r = spawnSync(sqlTool, [...sqlArgs(db), ...step], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`temporal-sql-tool ${step[0]} on ${db} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    }
  }

  const root = path.join(opts.dataDir, `temporal-pg-${process.pid}-${name}`);
  await mkdir(path.join(root, 'config'), { recursive: true });
  const ports = {
    frontend: await lowFreePort(),
    frontendHttp: await lowFreePort(),
    frontendMembership: await lowFreePort(),
    history: await lowFreePort(),
    historyMembership: await lowFreePort(),
    matching: await lowFreePort(),
    matchingMembership: await lowFreePort(),
    worker: await lowFreePort(),
    workerMembership: await lowFreePort(),
  };
  const dynamicConfig = path.join(root, 'dynamicconfig.yaml');
  // Same settings as the dev server runs with in the benchmarks: one task-queue partition (one
  // worker per queue) and every server's update limit (config/temporal-server.ts).
  await writeFile(
    dynamicConfig,
    dynamicConfigYaml({ ...SERVER_DYNAMIC_CONFIG, ...SINGLE_PARTITION_CONFIG, 'system.forceSearchAttributesCacheRefreshOnRead': true }),
  );
  const store = (db: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${pg.hostname}:${pg.port || '5432'}"
        connectProtocol: "tcp"
        user: "${decodeURIComponent(pg.username || 'postgres')}"
        password: "${decodeURIComponent(pg.password)}"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, extra = '') => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  await writeFile(
    path.join(root, 'config', 'development.yaml'),
    `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${opts.shards}
  datastores:
    default:
${store(name, 40)}
    visibility:
${store(`${name}_vis`, 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:
${service(ports.frontend, ports.frontendMembership, `\n      httpPort: ${ports.frontendHttp}`)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfig}"
  pollInterval: "10s"
`,
  );

  const logFile = path.join(root, 'server.log');
  const args = ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'];
  appendFileSync(logFile, `--- ${new Date().toISOString()} ${server} ${args.join(' ')}\n`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(server, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      await terminate(child, 15_000);
    })();
    return stopping;
  };
  const unregister = stopOnParentExit({ sync: () => void child.kill('SIGKILL'), async: stop });

  const address = `127.0.0.1:${ports.frontend}`;
  try {
    await prepareNamespace(address, () => child.exitCode !== null);
  } catch (error) {
    await stop();
    throw new Error(
      `Temporal ${TEMPORAL_SERVER_VERSION} on PostgreSQL did not come up: ${(error as Error).message}\n  log: ${logFile}\n${await tailFile(logFile, 30)}`,
      { cause: error },
    );
  }
  say(`temporal ${TEMPORAL_SERVER_VERSION} on PostgreSQL at ${address} (${opts.shards} history shards; log ${logFile})`);
  return {
    address,
    description: `temporal server ${TEMPORAL_SERVER_VERSION} (go install), PostgreSQL persistence and visibility, ${opts.shards} history shards, 1 task-queue partition, all services in one process`,
    stop,
  };
}

/**
 * A free port below 32768. The SQL schema keeps membership ports in a `smallint`
 * (cluster_membership.rpc_port), so an ephemeral port from the kernel (32768–60999) makes
 * the server die at start with "value … is out of range for type smallint".
 */
async function lowFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

/** Registers `default` and the search attributes, then waits until a workflow could be started there. */
async function prepareNamespace(address: string, died: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  let connection: Connection | undefined;
  let lastError = '';
  while (!connection) {
    if (died()) throw new Error('the server exited');
    if (Date.now() > deadline) throw new Error(`the frontend did not answer: ${lastError}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 2000 });
      await c.workflowService.getSystemInfo({});
      connection = c;
    } catch (error) {
      lastError = String(error);
      await sleep(500);
    }
  }
  try {
    const ns = 'default';
    try {
      await connection.workflowService.registerNamespace({ namespace: ns, workflowExecutionRetentionPeriod: { seconds: 86_400 as never } });
    } catch (error) {
      if (!/already|exists/i.test(String(error))) throw error;
    }
    // temporal.api.enums.v1.IndexedValueType: KEYWORD = 2, INT = 3 (protobufjs takes int64 seconds as a number too).
    const searchAttributes = Object.fromEntries(SEARCH_ATTRIBUTES.map((a) => [a.name, a.type === 'Int' ? 3 : 2]));
    for (;;) {
      if (Date.now() > deadline) throw new Error(`namespace ${ns} not ready: ${lastError}`);
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: ns });
        const missing = SEARCH_ATTRIBUTES.filter((a) => !customAttributes || !(a.name in customAttributes));
        if (missing.length) {
          await connection.operatorService.addSearchAttributes({ namespace: ns, searchAttributes });
          continue;
        }
        // The namespace cache refreshes every few seconds: a count succeeding means starts will too.
        await connection.workflowService.countWorkflowExecutions({ namespace: ns, query: 'CampaignId="x"' });
        return;
      } catch (error) {
        lastError = String(error);
        await sleep(1000);
      }
    }
  } finally {
    await connection.close();
  }
}
