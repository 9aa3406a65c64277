/**
 * Static checks of docker-compose.yml for machines without `docker compose` (no Docker
 * engine here): the services exist with the right images and roles, the search
 * attributes registered by the admin job are exactly workflows/search-attributes.ts, and
 * worker and api set every variable config/env.ts reads (except those that only matter
 * when `npm start` launches its own dev server, and the worker's tuning, which has defaults),
 * and Prometheus scrapes exactly the metrics ports worker and api serve and expose
 * (config/prometheus.yml: the api by name, every worker replica by DNS), and the Temporal
 * server reads a dynamic-config file holding every setting of config/temporal-server.ts
 * (config/temporal-dynamicconfig.yaml: the update limit that several worker replicas need).
 *
 *   npm run check-compose
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SERVER_DYNAMIC_CONFIG } from '../config/temporal-server.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Read by config/env.ts but meaningless when TEMPORAL_ADDRESS points at a real cluster. */
const DEV_SERVER_ONLY = new Set(['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_CLI_PATH']);

/** Where each role serves its Prometheus metrics: set on that service only, the other ignores it. */
const METRICS_ADDRESS = { worker: 'WORKER_METRICS_ADDRESS', api: 'API_METRICS_ADDRESS' } as const;
const isMetricsAddress = (variable: string) => Object.values<string>(METRICS_ADDRESS).includes(variable);

/** Read by the API alone (its timeouts, its metrics address): the api service sets them, the worker need not. */
const isApiOnly = (variable: string) => variable.startsWith('API_');

/** A worker process's tuning (`WORKER_*`): unset, `DEFAULT_TUNING` in worker/create-worker.ts applies, and the stack keeps it. */
const isWorkerTuning = (variable: string) => variable.startsWith('WORKER_') && !isMetricsAddress(variable);

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: unknown[];
  expose?: unknown[];
  volumes?: unknown[];
  container_name?: string;
  healthcheck?: unknown;
}

/**
 * Returns the list of problems found in the compose file (empty when it is fine), so a
 * test or CI step can assert on it as well as the CLI printing it.
 *
 * @example
 * const problems = await checkCompose(); // []
 */
export async function checkCompose(
  file = path.join(root, 'docker-compose.yml'),
  scrapeFile = path.join(root, 'config', 'prometheus.yml'),
  dynamicConfigFile = path.join(root, 'config', 'temporal-dynamicconfig.yaml'),
): Promise<string[]> {
  const problems: string[] = [];
  const doc = parse(await readFile(file, 'utf8'), { merge: true }) as { services?: Record<string, Service> };
  const services = doc.services ?? {};
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };

  const expectedImages: Record<string, RegExp> = {
    postgres: /^postgres:16/,
    temporal: /^temporalio\/auto-setup:/,
    'temporal-admin-tools': /^temporalio\/admin-tools:/,
    'temporal-ui': /^temporalio\/ui:/,
  };
  for (const [name, pattern] of Object.entries(expectedImages)) {
    const image = services[name]?.image ?? '';
    need(pattern.test(resolveDefaults(image)), `service ${name}: image ${image || '(none)'} does not match ${pattern}`);
  }
  need(envOf(services.temporal).DB === 'postgres12', 'service temporal: DB must be postgres12');
  need(envOf(services.temporal).POSTGRES_SEEDS === 'postgres', 'service temporal: POSTGRES_SEEDS must be postgres');
  need(services['temporal-ui']?.ports?.some((p) => String(p).endsWith(':8080')) ?? false, 'service temporal-ui: must publish 8080');

  const registered = (envOf(services['temporal-admin-tools']).SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean).sort();
  const expected = SEARCH_ATTRIBUTES.map((a) => `${a.name}=${a.type}`).sort();
  need(
    JSON.stringify(registered) === JSON.stringify(expected),
    `temporal-admin-tools: SEARCH_ATTRIBUTES is ${registered.join(' ')}; workflows/search-attributes.ts says ${expected.join(' ')}`,
  );

  const appVars = await configEnvNames();
  for (const [name, entry] of [
    ['worker', 'worker/main.ts'],
    ['api', 'api/main.ts'],
  ] as const) {
    const service = services[name];
    if (!service) {
      problems.push(`service ${name} is missing`);
      continue;
    }
    need(service.build !== undefined, `service ${name}: must build from the Dockerfile`);
    need(commandOf(service).join(' ') === `npx tsx ${entry}`, `service ${name}: command must be npx tsx ${entry}`);
    const env = envOf(service);
    for (const variable of appVars) {
      if (DEV_SERVER_ONLY.has(variable) || isWorkerTuning(variable) || isMetricsAddress(variable) || (name === 'worker' && isApiOnly(variable))) continue;
      need(env[variable] !== undefined && env[variable] !== '', `service ${name}: ${variable} (read by config/env.ts) is not set`);
    }
    need(/^\$\{ADMIN_TOKEN:\?/.test(env.ADMIN_TOKEN ?? ''), `service ${name}: ADMIN_TOKEN must come from the host with \${ADMIN_TOKEN:?…}`);
    need(/^postgres:\/\/.*@postgres:5432\//.test(env.DATABASE_URL ?? ''), `service ${name}: DATABASE_URL must point at the postgres service`);
    need(env.TEMPORAL_ADDRESS === 'temporal:7233', `service ${name}: TEMPORAL_ADDRESS must be temporal:7233`);
    const deps = dependsOn(service);
    need(deps.postgres === 'service_healthy', `service ${name}: must wait for postgres to be healthy`);
    need(deps.temporal === 'service_healthy', `service ${name}: must wait for temporal to be healthy`);
    need(deps['temporal-admin-tools'] === 'service_completed_successfully', `service ${name}: must wait for the search attributes to be registered`);
  }
  const worker = services.worker;
  need(worker?.container_name === undefined, 'service worker: a container_name prevents --scale');
  need(worker?.ports === undefined, 'service worker: a published port prevents --scale');
  need(services.api?.ports?.some((p) => String(p).endsWith(':3000')) ?? false, 'service api: must publish 3000');

  problems.push(...(await checkScrapeConfig(services, scrapeFile)));
  problems.push(...(await checkServerDynamicConfig(services.temporal, dynamicConfigFile)));

  for (const [name, service] of Object.entries(services)) {
    for (const [dep, condition] of Object.entries(dependsOn(service))) {
      need(dep in services, `service ${name}: depends on unknown service ${dep}`);
      if (condition === 'service_healthy')
        need(services[dep]?.healthcheck !== undefined, `service ${name}: waits for ${dep} to be healthy but ${dep} has no healthcheck`);
    }
  }
  return problems;
}

interface ScrapeConfig {
  scrape_configs?: {
    job_name?: string;
    static_configs?: { targets?: string[] }[];
    dns_sd_configs?: { names?: string[]; type?: string; port?: number }[];
  }[];
}

/**
 * The metrics side: worker and api each serve on all interfaces at a port they expose (not
 * publish: scrapers come from the compose network), the prometheus service mounts the scrape
 * config, and the scrape config reaches exactly those ports: the api by name, the worker by
 * DNS A records (one per replica; a static `worker:9464` would reach one replica at a time).
 */
async function checkScrapeConfig(services: Record<string, Service>, scrapeFile: string): Promise<string[]> {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  const served: Record<string, number> = {};
  for (const [name, variable] of Object.entries(METRICS_ADDRESS)) {
    const address = envOf(services[name])[variable] ?? '';
    const port = /^(?:0\.0\.0\.0|\[::\]):(\d+)$/.exec(address)?.[1];
    need(
      port !== undefined,
      `service ${name}: ${variable} must be 0.0.0.0:<port> (all interfaces, for Prometheus in the network), not ${address || '(unset)'}`,
    );
    if (port === undefined) continue;
    served[name] = Number(port);
    need(services[name]?.expose?.map(String).includes(port) ?? false, `service ${name}: must expose ${port}, its ${variable}`);
  }
  need(
    !(services.api?.ports ?? []).some((p) => String(p).endsWith(`:${served.api}`)),
    `service api: its metrics port ${served.api} must not be published (api/metrics.ts: no token there)`,
  );

  const prometheus = services.prometheus;
  need(
    /^prom\/prometheus:/.test(resolveDefaults(prometheus?.image ?? '')),
    `service prometheus: image ${prometheus?.image ?? '(none)'} does not match /^prom/prometheus:/`,
  );
  const relative = path.relative(root, scrapeFile);
  need(
    (prometheus?.volumes ?? []).some((v) => new RegExp(`^\\./${relative.replace(/[.]/g, '\\.')}:/etc/prometheus/prometheus\\.yml(:ro)?$`).test(String(v))),
    `service prometheus: must mount ./${relative} at /etc/prometheus/prometheus.yml`,
  );

  const scrape = parse(await readFile(scrapeFile, 'utf8')) as ScrapeConfig;
  const reached: Record<string, { port: number; how: 'static' | 'dns'; job: string }[]> = {};
  for (const job of scrape.scrape_configs ?? []) {
    const jobName = job.job_name ?? '(unnamed)';
    for (const target of (job.static_configs ?? []).flatMap((c) => c.targets ?? [])) {
      const [host, port] = target.split(':');
      (reached[host!] ??= []).push({ port: Number(port), how: 'static', job: jobName });
    }
    for (const dns of job.dns_sd_configs ?? []) {
      need(dns.type === 'A', `${relative}: job ${jobName}: dns_sd_configs must look up A records (Docker's DNS answers a service name with one per container)`);
      for (const host of dns.names ?? []) (reached[host] ??= []).push({ port: Number(dns.port), how: 'dns', job: jobName });
    }
  }
  for (const [host, targets] of Object.entries(reached)) {
    need(host in services, `${relative}: scrapes ${host}, which is not a service of docker-compose.yml`);
    for (const t of targets) {
      need(served[host] === t.port, `${relative}: job ${t.job} scrapes ${host}:${t.port}, but ${host} serves its metrics on ${served[host] ?? 'no port'}`);
    }
  }
  need(reached.api?.length === 1, `${relative}: must scrape service api once (found ${reached.api?.length ?? 0})`);
  need(
    reached.worker?.length === 1 && reached.worker[0]!.how === 'dns',
    `${relative}: must scrape service worker once, by dns_sd_configs, to reach every replica`,
  );
  return problems;
}

/**
 * The server side: the temporal service mounts the dynamic-config file where
 * DYNAMIC_CONFIG_FILE_PATH (relative to /etc/temporal, auto-setup's working directory) points,
 * and the file sets every key of SERVER_DYNAMIC_CONFIG to its value, so the compose stack runs
 * with the limits the dev server, the tests and the benches run with.
 */
async function checkServerDynamicConfig(temporal: Service | undefined, dynamicConfigFile: string): Promise<string[]> {
  const problems: string[] = [];
  const relative = path.relative(root, dynamicConfigFile);
  const inContainer = `/etc/temporal/${envOf(temporal).DYNAMIC_CONFIG_FILE_PATH ?? '(unset)'}`;
  if (
    !(temporal?.volumes ?? []).some((v) => new RegExp(`^\\./${relative.replace(/[.]/g, '\\.')}:${inContainer.replace(/[.]/g, '\\.')}(:ro)?$`).test(String(v)))
  )
    problems.push(`service temporal: must mount ./${relative} at ${inContainer} (its DYNAMIC_CONFIG_FILE_PATH)`);
  const file = parse(await readFile(dynamicConfigFile, 'utf8')) as Record<string, { value?: unknown }[] | undefined>;
  for (const [key, value] of Object.entries(SERVER_DYNAMIC_CONFIG)) {
    const values = (file[key] ?? []).map((v) => v.value);
    if (values.length !== 1 || values[0] !== value)
      problems.push(`${relative}: ${key} is ${JSON.stringify(values)}; config/temporal-server.ts says ${JSON.stringify(value)}`);
  }
  return problems;
}

/** The variable names config/env.ts declares, read from its source so the lists cannot drift. */
async function configEnvNames(): Promise<string[]> {
  const source = await readFile(path.join(root, 'config', 'env.ts'), 'utf8');
  const body = source.slice(source.indexOf('z.object({'));
  return [...body.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
}

function envOf(service: Service | undefined): Record<string, string> {
  const env = service?.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

function commandOf(service: Service): string[] {
  const command = service.command;
  return Array.isArray(command) ? command : (command ?? '').split(/\s+/).filter(Boolean);
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v?.condition ?? 'service_started']));
}

/** `${X:-default}` → default, for checking image names. */
function resolveDefaults(text: string): string {
  return text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = await checkCompose();
  if (problems.length > 0) {
    console.error(`docker-compose.yml: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('docker-compose.yml: ok');
  }
}
