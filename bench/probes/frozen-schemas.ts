/**
 * Can the domain's zod schemas be shared between workflows (`bundlerOptions.preloadModules`)?
 *
 * The SDK deep-freezes what preloaded modules export. This freezes the schemas the same
 * way and parses a few inputs with each; a schema that throws instead of answering could
 * not be shared. (On 2026-12-01, zod 4.6.7: they throw, from zod's lazily defined
 * internals — so sharing them needs schemas built outside module scope, not preloading.)
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

const schemas = Object.entries({ ...commands, ...campaign }).filter(([, s]) => typeof (s as { safeParse?: unknown })?.safeParse === 'function') as Array<
  [string, { safeParse(input: unknown): unknown }]
>;
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
