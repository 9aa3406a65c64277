/**
 * The API's Prometheus metrics: every request's duration, counted by method, route pattern
 * and status (`http_request_duration_seconds`, a histogram, through the fastify-metrics
 * plugin), and the Node process's own figures (CPU, memory, event-loop lag) once served.
 *
 * Route labels are the route's pattern (`/campaigns/:campaignId/orgs/:orgId`), never the
 * raw URL, and a request no route takes is counted under `__unknown__`, so the number of
 * series stays bounded by the routes, whatever callers send.
 *
 * **Served on a port of its own** (`API_METRICS_ADDRESS`, e.g. `0.0.0.0:9465`), not as a
 * route of the API: the API's port is published to the world (browsers, the public's
 * messages), and a scraper has no bearer token. On its own port the exposition needs no
 * token, is reachable only where that port is (loopback for `npm start`; the compose
 * network, unpublished, for docker-compose), and stays out of the OpenAPI document, the
 * authentication hook, the rate limits and the API's own request counts.
 *
 * @example
 * const app = await buildApp(deps); // registerMetrics(app) runs inside it
 * const url = await serveMetrics(app, '127.0.0.1:9465'); // 'http://127.0.0.1:9465/metrics'
 * // closed with the app: await app.close()
 */
import { createServer, type Server } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import client, { Registry } from '@prometheus-io/client';
// A CommonJS module compiled from TypeScript: imported from ESM, its plugin is `.default`.
import fastifyMetrics from 'fastify-metrics';
import type { ApiInstance } from './deps.js';

/** Request durations in seconds: most reads answer in milliseconds, a tree import or a slow Temporal in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface MetricsState {
  registry: Registry;
  server?: Server;
}
const states = new WeakMap<ApiInstance, MetricsState>();

/**
 * Counts every request of `app` in a registry of its own (tests build many apps in one
 * process; the client's global registry would refuse the second). Call before any route
 * and before the hooks that answer early (unknown routes, authentication), so that 404s
 * and 401s are counted too.
 */
export async function registerMetrics(app: ApiInstance): Promise<void> {
  const registry = new Registry();
  states.set(app, { registry });
  await app.register(fastifyMetrics.default, {
    promClient: client,
    endpoint: null,
    defaultMetrics: { enabled: false },
    routeMetrics: {
      // A histogram aggregates across API replicas; a summary's quantiles do not.
      enabled: { histogram: true, summary: false },
      registeredRoutesOnly: false,
      invalidRouteGroup: '__unknown__',
      // The plugin builds its summary even when disabled: registered nowhere, it clashes with no other app's.
      overrides: { histogram: { buckets: DURATION_BUCKETS, registers: [registry] }, summary: { registers: [] } },
    },
  });
  app.addHook('onClose', async () => {
    const server = states.get(app)?.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/**
 * Serves `app`'s metrics at `http://<address>/metrics` (`ip:port`, IPv6 as `[::1]:9465`; port 0, any free one)
 * until the app closes, with the process's default metrics (`process_cpu_seconds_total`,
 * `nodejs_eventloop_lag_seconds`, …) added. Resolves with the URL once listening.
 */
export async function serveMetrics(app: ApiInstance, address: string): Promise<string> {
  const state = states.get(app);
  if (!state) throw new Error('serveMetrics: the app was not built with registerMetrics');
  if (state.server) throw new Error('serveMetrics: this app already serves its metrics');
  const { host, port } = parseAddress(address);
  client.collectDefaultMetrics({ register: state.registry });
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics are at GET /metrics\n');
      return;
    }
    state.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': state.registry.contentType }).end(text),
      (err: unknown) => {
        app.log.error({ err }, 'metrics exposition failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics exposition failed\n');
      },
    );
  });
  state.server = server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The port bound, which port 0 leaves to the kernel.
  const bound = (server.address() as AddressInfo).port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`;
}

/** `127.0.0.1:9465` or `[::]:9465` → host and port; anything else is refused. */
function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !isIP(host) || !(port >= 0 && port <= 65535)) throw new Error(`metrics address ${address}: expected ip:port, e.g. 127.0.0.1:9465 or [::]:9465`);
  return { host, port };
}
