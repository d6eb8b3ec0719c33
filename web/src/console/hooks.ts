import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorLines } from '../shared/errors.js';

export type Loaded<T> = {
  data: T | null;
  error: string[] | null;
  loading: boolean;
  /** Loads again (keeping what is shown until the answer arrives). */
  reload: () => void;
};

/** The lines to show for a failure: the API's own words, or why the shop could not be reached. */
export { errorLines };

/**
 * Loads with `load` whenever `deps` change (an older answer never overwrites a newer one);
 * with `pollMs`, loads again that often while the page is shown.
 */
export const useLoad = <T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> => {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    const call = ++latest.current;
    setLoading(true);
    load(controller.signal).then(
      (value) => {
        if (call !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (call !== latest.current || controller.signal.aborted) return;
        setError(errorLines(caught));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);

  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(reload, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, reload]);

  return { data, error, loading, reload };
};

export type Action = {
  busy: boolean;
  error: string[] | null;
  /** Runs the write; its failure is shown (never swallowed), its result handed back. */
  run: <R>(write: () => Promise<R>) => Promise<R | undefined>;
  clear: () => void;
};

/** One write at a time (a button's), with its error kept for the page to show. */
export const useAction = (): Action => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string[] | null>(null);
  const run = useCallback(async <R,>(write: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await write();
    } catch (caught) {
      setError(errorLines(caught));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: useCallback(() => setError(null), []) };
};

/** Sets the document's title for the page shown. */
export const useTitle = (title: string): void => {
  useEffect(() => {
    document.title = `${title} · Shop console`;
  }, [title]);
};

/** `?page=` as asked for: a whole number from 1 (a hand-typed 0, -3 or 2.5 asks for the nearest one). */
export const askedPage = (value: string | undefined): number => Math.max(1, Math.trunc(Number(value ?? 1)) || 1);

/** `?page=` as the API takes it (1 to 1000): 99999 asks for the last page it serves. */
export const pageOf = (value: string | undefined): number => Math.min(1000, askedPage(value));
