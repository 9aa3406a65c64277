/**
 * What it costs the worker to instantiate one workflow: evaluating the bundle's modules
 * for it, as the SDK's reusable V8 context does for every workflow it creates (a new run,
 * or one replayed after it was evicted from the cache).
 *
 * The bundle is built as the worker builds it (`WORKFLOW_BUNDLER_OPTIONS`), or without
 * preloading (`--no-preload`). It is run in a V8 context with the SDK's arrangement of
 * webpack's module cache: modules required before any workflow exists (the SDK's own and
 * the preloaded ones) are shared; every other module is evaluated again into each
 * workflow's own cache. This times N such evaluations of the workflow modules and keeps
 * them all, as N cached workflows keep theirs, to weigh the heap they hold.
 *
 * node --expose-gc --import tsx bench/probes/workflow-instantiation.ts [--no-preload] [N]
 */
import vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../worker/create-worker.js';
import { quietLogger } from '../infra.js';

const preload = !process.argv.includes('--no-preload');
const n = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 200);
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...(preload ? WORKFLOW_BUNDLER_OPTIONS : {}), logger: quietLogger });

const shared = new Map<PropertyKey, unknown>();
let current: Map<PropertyKey, unknown> | undefined;
const context = vm.createContext({ console });
Object.defineProperty(context, '__webpack_module_cache__', {
  value: new Proxy(
    {},
    {
      get: (_, key) => shared.get(key) ?? current?.get(key),
      set: (_, key, value) => {
        (current ?? shared).set(key, value);
        return true;
      },
    },
  ),
});
vm.runInContext(code, context);
vm.runInContext('__TEMPORAL__.preloadModules?.()', context);
const importWorkflows = vm.runInContext('() => __TEMPORAL__.importWorkflows()', context) as () => unknown;

const gc = (globalThis as { gc?: () => void }).gc;
const kept: unknown[] = [];
const instantiate = () => {
  current = new Map();
  importWorkflows();
  kept.push(current);
  current = undefined;
};
for (let i = 0; i < 20; i++) instantiate(); // warm up the compiler
kept.length = 0;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
for (let i = 0; i < n; i++) instantiate();
const ms = (performance.now() - t0) / n;
gc?.();
const heapKiB = (process.memoryUsage().heapUsed - heapBefore) / n / 1024;
process.stdout.write(
  `${preload ? 'preloaded' : 'nothing preloaded'}: ${shared.size} shared modules, ${kept.length ? (kept[0] as Map<unknown, unknown>).size : 0} evaluated per workflow; ` +
    `${ms.toFixed(2)} ms per workflow` +
    (gc ? `, ${heapKiB.toFixed(0)} KiB of heap kept per cached workflow` : ' (run with node --expose-gc for the heap)') +
    ` (${n} workflows, bundle ${(code.length / 1e6).toFixed(2)} MB)\n`,
);
