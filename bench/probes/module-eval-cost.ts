/**
 * What a workflow pays to evaluate the domain's zod schema modules.
 *
 * With the SDK's reusable V8 context (the default), every workflow a worker instantiates
 * (a new run, or one replayed after eviction) evaluates the bundle's modules again, except
 * the SDK's own: zod and every schema built at module level are constructed anew each
 * time (see BENCHMARKS.md, "What bounds the cascade"). This evaluates each module afresh
 * N times (a new URL each time, so nothing is cached) and prints the mean, against a
 * module of similar size without zod, and the heap each evaluation keeps while it is
 * referenced (as a cached workflow references its modules).
 *
 * node --expose-gc --import tsx bench/probes/module-eval-cost.ts
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

// Memory: keep N fresh evaluations of the modules a workflow imports, as N cached workflows would.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  const kept: unknown[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) for (const f of ['commands', 'campaign', 'org-tree', 'levels']) kept.push(await import(`../../domain/${f}.ts?fresh=${k++}`));
  gc();
  const perSet = (process.memoryUsage().heapUsed - before) / N;
  process.stdout.write(`heap kept per evaluation of commands + campaign + org-tree + levels: ${(perSet / 1024).toFixed(0)} KiB (${kept.length / 4} sets kept)\n`);
} else {
  process.stdout.write('(run with node --expose-gc for the heap each evaluation keeps)\n');
}
