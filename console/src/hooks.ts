import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api.ts';

/**
 * How often an open page asks again. Conditional polling: the API's reads are
 * `private, no-cache` with an ETag (api/app.ts), so the browser keeps the last answer and asks
 * with `If-None-Match`; when nothing changed the API answers 304 without a body and `fetch`
 * hands back the kept answer. Live without a reload, and a quiet poll costs a few headers.
 */
export const POLL_MS = 3000;

/** Reads started before their screen mounted (`startEarly`), by the key their `usePolled` will ask with. */
const early = new Map<string, Promise<unknown>>();

/**
 * Starts a screen's first read at once, at page load beside `GET /session`, instead of after it:
 * the first `usePolled` with the same key takes the answer (a refusal is not taken: that
 * `usePolled` asks again itself). Unclaimed, it is dropped after 10 s.
 */
export function startEarly(key: string, load: () => Promise<unknown>): void {
  const pending = load();
  pending.catch(() => undefined);
  early.set(key, pending);
  setTimeout(() => early.get(key) === pending && early.delete(key), 10_000);
}

/** The API answered 401: the session is over (signed out elsewhere, expired, token revoked). */
export const SESSION_ENDED = 'ce:session-ended';

/**
 * Loads `load()` now, whenever `key` changes, and again every `POLL_MS` while the page is
 * visible, without a reload; `refresh()` asks at once (after a form is sent).
 */
export function usePolled<T>(
  load: () => Promise<T>,
  key: string,
): { data: T | undefined; error: string | undefined; refresh: () => void; updatedAt: number | undefined } {
  const [state, setState] = useState<{ key: string; data?: T | undefined; error?: string; updatedAt?: number | undefined }>({ key });
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(async () => {
    try {
      const pending = early.get(key) as Promise<T> | undefined;
      early.delete(key);
      const data = pending ? await pending.catch(() => loadRef.current()) : await loadRef.current();
      // An unchanged answer (most polls: a 304 under the hood) keeps the data it had, so nothing that depends on it redraws.
      setState((s) => ({
        key,
        data: s.key === key && s.data !== undefined && JSON.stringify(s.data) === JSON.stringify(data) ? s.data : data,
        updatedAt: Date.now(),
      }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) window.dispatchEvent(new Event(SESSION_ENDED));
      setState((s) => ({ ...s, key, error: err instanceof Error ? err.message : String(err) }));
    }
  }, [key]);
  useEffect(() => {
    void run();
    const timer = setInterval(() => {
      if (!document.hidden) void run();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [run]);
  // While a new key loads (another filter, another page), the last answer stays on screen: the
  // controls keep their place and focus instead of the page blanking out.
  const current = state.key === key ? state : { key, data: state.data, updatedAt: state.updatedAt };
  return { data: current.data, error: current.error, refresh: () => void run(), updatedAt: current.updatedAt };
}

/** The part of the URL after `#`, kept in state (hash routing: the server serves one page). */
export function useHash(): string {
  const [hash, setHash] = useState(() => location.hash.replace(/^#/, '') || '/');
  useEffect(() => {
    const on = () => setHash(location.hash.replace(/^#/, '') || '/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}
