/**
 * Live counters while a phase runs, and the samples they are drawn from.
 *
 * A benchmark that prints nothing for ten minutes is indistinguishable from one that
 * hangs, so every phase polls a probe once a second and shows the latest values on one
 * line of stderr (rewritten in place on a terminal, a new line every 5 s otherwise, so a
 * log file stays readable). stdout is kept for the final `RESULT` line alone. The same
 * samples are kept and end up in the JSON result and the plot, so what scrolled past is
 * also what is recorded.
 */

export type Sample = Record<string, number> & { t: number };

/** A failed call as a live line and a result report it: the error and, when the SDK or fetch wraps one, its cause. */
export function failureText(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return `${String(error)}${cause ? ` (${cause instanceof Error ? String(cause) : JSON.stringify(cause)})` : ''}`;
}

export interface Monitor {
  samples: Sample[];
  /** Stops polling and finishes the line. */
  stop(): Promise<void>;
}

const isTty = Boolean(process.stderr.isTTY);

/** Writes a line to stderr that does not collide with a live line being redrawn. */
export function say(line: string): void {
  process.stderr.write(`${isTty ? '\r\x1b[K' : ''}${line}\n`);
}

/**
 * Polls `probe` every `intervalMs` and shows `label` with its values. `t` in each sample
 * is seconds since `t0`. A probe that throws (the workflow is not there yet, say) is
 * skipped, not fatal: the phase itself decides when something is wrong.
 *
 * @example
 * const m = monitor('cascade', t0, async () => ({ mobilised: await count() }));
 * // … wait for the phase …
 * await m.stop();
 */
export function monitor(label: string, t0: number, probe: () => Promise<Record<string, number>>, intervalMs = 1000): Monitor {
  const samples: Sample[] = [];
  let stopped = false;
  let lastPrinted = 0;
  let busy = false;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    // Stamped when the probe starts: its values are as of then, however long it takes to answer.
    const startedAt = Date.now();
    let values: Record<string, number>;
    try {
      values = await probe();
    } catch {
      return;
    }
    if (stopped) return;
    const sample = { ...values, t: Math.round((startedAt - t0) / 100) / 10 } as Sample;
    samples.push(sample);
    const line = `[${label}] ${sample.t.toFixed(1)}s  ${Object.entries(values)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(1)}`)
      .join('  ')}`;
    if (isTty) process.stderr.write(`\r\x1b[K${line}`);
    else if (Date.now() - lastPrinted >= 5000) {
      process.stderr.write(`${line}\n`);
      lastPrinted = Date.now();
    }
  };
  const start = (): void => {
    // One probe at a time: a slow probe (a query waiting for a busy workflow) is not queued behind itself.
    if (busy) return;
    busy = true;
    inFlight = tick().finally(() => {
      busy = false;
    });
  };
  const timer = setInterval(start, intervalMs);
  start();
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await inFlight;
      stopped = true;
      if (isTty) process.stderr.write('\n');
    },
  };
}

/** Polls `probe` until `done` holds, or throws after `timeoutMs` with the last value seen. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; last value ${JSON.stringify(last)}${lastError ? `; last error ${lastError instanceof Error ? String(lastError) : JSON.stringify(lastError)}` : ''}`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or `fallback` if it has not settled within `ms` (the promise keeps running). */
export function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}
