/**
 * What a workflow pays to evaluate the domain's zod schema modules.
 *
 * With the SDK's reusable V8 context (the default), every workflow a worker instantiates
 * (a new run, or one replayed after eviction) evaluates the bundle's modules again, except
 * the SDK's own: zod and every schema built at module level are constructed anew each
 * time (see BENCHMARKS.md, "What bounds the cascade"). This evaluates each module afresh
 * N times (a new URL each time, so nothing is cached) and prints the mean, against a
 * module of similar size without zod.
 *
 * npx tsx bench/probes/module-eval-cost.ts
 */
const N = 40;
let k = 0;
async function perEvaluation(file: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await import(`../../domain/${file}.ts?fresh=${k++}`);
  return (performance.now() - t0) / N;
}
for (const f of ['csv', 'commands', 'campaign']) await perEvaluation(f); // warm the loader
for (const f of ['csv', 'commands', 'campaign', 'org-tree', 'levels']) {
  process.stdout.write(`domain/${f}.ts: ${(await perEvaluation(f)).toFixed(2)} ms per evaluation${f === 'csv' ? ' (no zod: the loader alone)' : ''}\n`);
}
