import { useEffect, useState } from 'preact/hooks';

export type Loaded<T> = {
  data: T | null;
  error: unknown;
  /** True from the moment `deps` change (not one frame later) until their answer. */
  loading: boolean;
  /** Reads again (keeping what is shown until the answer). */
  reload: () => void;
  /** Replaces what is shown (e.g. by a write's answer). */
  set: (data: T) => void;
};

type State<T> = { data: T | null; error: unknown; loading: boolean; key: string };

/** Reads once per change of `deps` (an older read in flight is abandoned) and on reload(). */
export const useLoad = <T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> => {
  const key = JSON.stringify(deps);
  const [state, setState] = useState<State<T>>({ data: null, error: null, loading: true, key });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false, key }),
      (error: unknown) => !controller.signal.aborted && setState((s) => ({ ...s, error, loading: false, key })),
    );
    return () => controller.abort();
  }, [key, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading || state.key !== key,
    reload: () => setTick((t) => t + 1),
    set: (data) => setState({ data, error: null, loading: false, key }),
  };
};

/** The page's title in the tab and for screen readers' page announcements. */
export const useTitle = (title: string): void => {
  useEffect(() => {
    document.title = title ? `${title} · Shop` : 'Shop';
  }, [title]);
};
