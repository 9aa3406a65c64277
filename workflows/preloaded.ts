/**
 * What the worker evaluates once per workflow thread and shares between all its workflows
 * (`WORKFLOW_BUNDLER_OPTIONS` in `worker/create-worker.ts`): stateless libraries only.
 * Anything else a workflow imports is evaluated again for each workflow the worker
 * instantiates; zod was most of that (`bench/probes/workflow-instantiation.ts`).
 *
 * Two things make zod need more than its name in `preloadModules`:
 * - Its package declares itself free of side effects, so a bare `require('zod')` whose
 *   result goes unused is dropped from the bundle. Exporting it from here keeps it.
 * - The SDK deep-freezes what is preloaded, and zod fills in its global configuration (the
 *   default locale, the parse memoizer) when the first schema is built. Building and using
 *   one here, before the freeze, does that while it is still allowed; after it zod only
 *   reads that configuration. The workflows' own schemas are built per workflow, on first
 *   use (`domain/lazy-schema.ts`), and are never frozen.
 */
import { z } from 'zod';

z.object({ kind: z.enum(['a']), at: z.array(z.union([z.string().min(1), z.number().int()])).optional() })
  .strict()
  .refine(() => true)
  .safeParse({ kind: 'b', at: [''] });

export const preloaded = { z };
