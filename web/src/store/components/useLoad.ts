import { useEffect, useState } from 'preact/hooks';

export type Loaded<T> = {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** Reads again (keeping what is shown until the answer). */
  reload: () => void;
  /** Replaces what is shown (e.g. by a write's answer). */
  set: (data: T) => void;
};

/** Reads once per change of `deps` (an older read in flight is abandoned) and on reload(). */
export const useLoad = <T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> => {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error: unknown) => !controller.signal.aborted && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => controller.abort();
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1), set: (data) => setState({ data, error: null, loading: false }) };
};

/** The page's title in the tab and for screen readers' page announcements. */
export const useTitle = (title: string): void => {
  useEffect(() => {
    document.title = title ? `${title} · Shop` : 'Shop';
  }, [title]);
};
