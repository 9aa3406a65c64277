/**
 * Makes sure a Temporal CLI is available (building the pinned version with Go into the
 * shared cache if needed) and prints its path. CI runs it as a separate, timed step so a
 * multi-minute first build is not mistaken for a slow test run.
 *
 *   npx tsx scripts/ensure-temporal-cli.ts   # → /root/.cache/campaign-engine/temporal-v1.5.1/temporal
 */
import { findTemporalCli } from './temporal-server.js';

try {
  console.log(await findTemporalCli());
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
