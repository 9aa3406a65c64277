/**
 * Can the domain's zod schemas be shared between workflows (`bundlerOptions.preloadModules`)?
 *
 * The SDK deep-freezes what preloaded modules export. This freezes the schemas the same
 * way and parses a few inputs with each; a schema that throws instead of answering could
 * not be shared. (On 2026-12-01, zod 4.6.7: they throw, from zod's lazily defined
 * internals. So the schemas are built per workflow on first use instead
 * (`domain/lazy-schema.ts`), and only zod itself is preloaded (`workflows/preloaded.ts`).)
 *
 * npx tsx bench/probes/frozen-schemas.ts
 */
import * as campaign from '../../domain/campaign.js';
import * as commands from '../../domain/commands.js';

function deepFreeze(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return;
  seen.add(value);
  if (typeof value === 'object') {
    for (const key of Reflect.ownKeys(value)) {
      try {
        deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
      } catch {
        // As the SDK: what cannot be frozen stays as it is.
      }
    }
  }
  Object.freeze(value);
}

// `clone()` gives the schema itself rather than the lazy proxy that stands for it (a proxy cannot be frozen).
const schemas = Object.entries({ ...commands, ...campaign })
  .filter(([, s]) => typeof (s as { safeParse?: unknown })?.safeParse === 'function')
  .map(([name, s]) => [name, (s as unknown as { clone(): { safeParse(input: unknown): unknown } }).clone()] as const);
for (const [, schema] of schemas) deepFreeze(schema);
let answered = 0;
const threw: string[] = [];
for (const [name, schema] of schemas) {
  for (const input of [{}, null, 'x', { reason: 'r', deadline: '2026-01-01' }]) {
    try {
      schema.safeParse(input);
      answered++;
    } catch (error) {
      threw.push(`${name}: ${(error as Error).message.slice(0, 100)}`);
    }
  }
}
process.stdout.write(`${schemas.length} frozen schemas: ${answered} parses answered, ${threw.length} threw\n${threw.slice(0, 5).join('\n')}\n`);
