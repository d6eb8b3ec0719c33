import { useCallback, useEffect, useState } from 'preact/hooks';

export type Loaded<T> = {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Asks again (the data shown stays until the new answer is in). */
  reload: () => void;
  /** Replaces the data with what a write answered. */
  set: (update: (data: T | undefined) => T | undefined) => void;
};

/** Reads once per change of `deps` (an earlier read still under way is aborted). */
export const useLoad = <T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> => {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    load(controller.signal).then(
      (answer) => {
        if (controller.signal.aborted) return;
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading, reload, set: setData };
};
