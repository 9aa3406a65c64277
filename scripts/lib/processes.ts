/**
 * Small process helpers shared by the Temporal and PostgreSQL launchers: free ports,
 * finding executables, log tails for error messages, stopping a child, and making sure
 * the servers we start do not outlive the process that started them.
 */
import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

/**
 * Asks the kernel for a free TCP port on 127.0.0.1, so parallel runs (tests, CI jobs,
 * a developer's own `npm start`) never fight over 7233 or 5432. There is a short race
 * between closing the probe and the server binding; the launchers fail loudly if it bites.
 *
 * @example
 * const port = await freePort(); // e.g. 41327
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/**
 * Fails when something already listens on the port. A launcher must check this before
 * spawning: otherwise its readiness probe would happily talk to the *other* server
 * while its own child dies on "address already in use".
 *
 * @example
 * await assertPortFree(7233, '127.0.0.1', 'Temporal frontend (TEMPORAL_PORT)');
 */
export async function assertPortFree(port: number, host = '127.0.0.1', what = 'port'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `${what} ${host}:${port} is already in use by another process (another server running? pick another port)`
            : `${what} ${host}:${port} cannot be bound: ${error.message}`,
        ),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * Resolves a command name on PATH the way a shell would, without spawning one; the
 * launchers use it to prefer binaries the user already installed.
 *
 * @example
 * const temporal = await whichExecutable('temporal'); // '/usr/local/bin/temporal' or undefined
 */
export async function whichExecutable(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * True when the path is a regular file we may execute; a directory named `temporal`
 * on PATH must not count as the CLI.
 *
 * @example
 * if (await isExecutableFile('/usr/bin/go')) { ... }
 */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The last lines of a log file, for error messages: a server that dies at start-up
 * usually says why in its final lines, and the terminal itself stays clean otherwise.
 *
 * @example
 * throw new Error(`postgres did not start:\n${await tailFile(logFile, 30)}`);
 */
export async function tailFile(file: string, lines = 40, maxBytes = 64 * 1024): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8').trimEnd();
      return text.split('\n').slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  } catch (error) {
    return `(no log at ${file}: ${(error as Error).message})`;
  }
}

/**
 * Stops a child politely: SIGTERM, then SIGKILL if it is still there after `graceMs`.
 * Resolves once the process is gone (at once if it already is).
 *
 * @example
 * await terminate(child, 10_000);
 */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

/** What a launcher registers so a dying parent can still stop its servers. */
interface Cleanup {
  /** Best-effort synchronous stop, for the `exit` event where nothing async runs. */
  sync(): void;
  /** Graceful stop, for SIGINT/SIGTERM. */
  async(): Promise<void>;
}

const cleanups = new Set<Cleanup>();
let hooksInstalled = false;

/**
 * Registers a started server so it is stopped when the parent exits or is told to stop
 * (SIGINT/SIGTERM/SIGHUP) — otherwise a Ctrl-C'd test run or a killed `npm start` would
 * leave a Temporal or PostgreSQL process holding its port and data directory. Returns an
 * unregister function that the server's own `stop()` calls.
 *
 * Signal handling: when our handler is the only listener for the signal we stop every
 * server and then exit with the conventional 128+signal status; when the application has
 * its own handlers we leave the shutdown to them and keep only the `exit` safety net.
 *
 * @example
 * const unregister = stopOnParentExit({ sync: () => child.kill('SIGKILL'), async: stop });
 */
export function stopOnParentExit(cleanup: Cleanup): () => void {
  installHooks();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const cleanup of cleanups) {
      try {
        cleanup.sync();
      } catch {
        // The parent is exiting anyway; nothing useful to do with the error.
      }
    }
  });
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ];
  for (const [signal, number] of signals) {
    const handler = (): void => {
      const othersListen = process.listenerCount(signal) > 1;
      if (othersListen) return;
      void Promise.allSettled([...cleanups].map((c) => c.async())).finally(() => process.exit(128 + number));
    };
    process.on(signal, handler);
  }
}
