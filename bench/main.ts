/**
 * `npm run bench -- --shape <small|district|tianjin> --scenario <cascade|escalations|directive|reads|rebuild|console|commands>`
 *
 * Starts its own servers (or uses the given ones), runs one scenario with live counters on
 * stderr, writes `bench/results/<time>-<shape>-<scenario>.json` and `.html` (the plot), and
 * ends stdout with exactly one line, `RESULT <json>`, so a script (or a person copying a
 * figure into BENCHMARKS.md) reads one line. Benchmarks are not tests: nothing here
 * asserts a timing; a run fails only when the scenario itself could not complete.
 */
import { spawnSync } from 'node:child_process';
import { generateTree } from '../domain/generate-tree.js';
import { parseBenchArgs, type Scenario } from './args.js';
import type { RunContext, ScenarioOutput } from './context.js';
import { startInfra, workerWarnings } from './infra.js';
import { say } from './live.js';
import { summariseProfiles } from './profile-summary.js';
import { machine, writeResult } from './report.js';
import { runCascade } from './scenarios/cascade.js';
import { runCommands } from './scenarios/commands.js';
import { runConsole } from './scenarios/console.js';
import { runDirective } from './scenarios/directive.js';
import { runEscalations } from './scenarios/escalations.js';
import { runReads } from './scenarios/reads.js';
import { runRebuild } from './scenarios/rebuild.js';

const SCENARIOS: Record<Scenario, (ctx: RunContext) => Promise<ScenarioOutput>> = {
  cascade: runCascade,
  escalations: runEscalations,
  directive: runDirective,
  reads: runReads,
  rebuild: runRebuild,
  console: runConsole,
  commands: runCommands,
};

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const orgs = generateTree(args.shape);
  const started = Date.now();
  const engine = engineVersion();
  say(`bench: shape ${args.shape} (${orgs.length} orgs), scenario ${args.scenario}`);
  const infra = await startInfra(args, orgs);
  // Interrupted: stop the worker, the API and the servers this run started, then exit.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      say(`bench: ${signal}, stopping everything`);
      // Calls still in flight fail as their connections close ("Channel has been shut
      // down", thrown from a retry timer); they must not end the process before the
      // worker processes and the servers are stopped.
      process.on('uncaughtException', (error) => say(`bench: while stopping: ${error.message}`));
      void infra.stop().finally(() => process.exit(code));
    });
  }
  let output: ScenarioOutput;
  try {
    output = await SCENARIOS[args.scenario]({ args, orgs, infra });
  } finally {
    say('bench: stopping the worker and the servers');
    await infra.stop();
  }
  const result: Record<string, unknown> = {
    shape: args.shape,
    scenario: args.scenario,
    orgs: orgs.length,
    ...output.figures,
    workerWarnings,
    workerCrashes: infra.workers.crashes.length,
    workerCrashLog: infra.workers.crashes.slice(0, 3),
    workerPeakRssMB: Math.round(infra.workers.peakRssBytes() / 2 ** 20),
    workerTuning: infra.workerTuning,
    ...infra.workers.cpu(),
    ...(args.profileWorkers ? { workerProfile: summariseProfiles(args.profileWorkers, 10) } : {}),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
    engine,
    servers: infra.servers,
    machine: machine(),
    wallSeconds: Math.round((Date.now() - started) / 1000),
    finishedAt: new Date().toISOString(),
  };
  const files = await writeResult(args.out, result, output.charts);
  say(`bench: wrote ${files.json} and ${files.html}`);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  return 0;
}

/**
 * The commit the engine was measured at, and which engine files differed from it: the
 * repository changes under a running benchmark, and a figure must say what it measured.
 */
function engineVersion(): { commit: string; uncommitted: string[] } {
  const git = (...a: string[]) => spawnSync('git', a, { encoding: 'utf8' }).stdout ?? '';
  // Porcelain lines are `XY path`: the status columns may start with a space, so no trimming before slicing.
  const dirty = git('status', '--porcelain', '--', 'workflows', 'activities', 'domain', 'db', 'api', 'worker', 'client');
  return {
    commit: git('rev-parse', '--short', 'HEAD').trim(),
    uncommitted: dirty
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3)),
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
