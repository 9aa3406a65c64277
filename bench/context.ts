/** What every scenario receives and returns. */
import type { FlatOrg } from '../domain/generate-tree.js';
import type { BenchArgs } from './args.js';
import type { Infra } from './infra.js';
import type { Chart } from './report.js';

export interface RunContext {
  args: BenchArgs;
  orgs: FlatOrg[];
  infra: Infra;
}

export interface ScenarioOutput {
  /** The scenario's figures; merged into the RESULT json after shape, scenario, orgs. */
  figures: Record<string, unknown>;
  charts: Chart[];
}
