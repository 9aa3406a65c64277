/**
 * A zod schema built the first time it is used, not when its module is evaluated.
 *
 * Why: the worker runs workflows in the SDK's reusable V8 context, which evaluates the
 * workflow bundle's modules again for every workflow it instantiates (a new run, or one
 * replayed after eviction from the cache) and keeps them while the workflow is cached. A
 * schema built at module level is therefore built once per workflow, tens of zod objects
 * each, although most workflows never validate anything: an org in a cascade receives no
 * update at all. Measured before this existed (BENCHMARKS.md, "What bounds the big
 * shapes"): ~6 ms and ~490 KiB of kept heap per workflow, and zod's constructors and the
 * collector behind them were the largest share of the workflow thread's time.
 *
 * `lazySchema(() => z.object({ … }))` has the type of the schema it builds and answers
 * every property of it (`parse`, `safeParse`, `optional()`, `shape`, `instanceof`, …) by
 * building it on first access, so callers, `z.infer<typeof X>` and other schemas composed
 * from it read exactly as before. Build other lazy schemas inside the builder, never at
 * module level, or the saving is gone.
 */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => (built ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(schema(), key, schema()),
    has: (_, key) => Reflect.has(schema(), key),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // A proxy may not report a property its target lacks as non-configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
    set: (_, key, value) => Reflect.set(schema(), key, value),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(schema(), key, descriptor),
  });
}
