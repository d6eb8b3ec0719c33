/** Small concurrency helpers of the process-manager runner. */

/**
 * A reaction's commands go to different aggregates and decide on their own streams alone, so
 * they are sent together: their appends share one group commit (one fsync) instead of one
 * each in turn. All of them settle before a failure is thrown, so a retry of the reaction
 * never runs beside a command of the attempt before it (their ids make the retry append
 * nothing that was appended).
 */
export const allSettledOrThrow = async (work: Promise<unknown>[]): Promise<void> => {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
};

export const groupBy = <T>(items: T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

/**
 * Maps with at most `limit` promises in flight; results keep the input order. After a failure
 * no item is started, and the first failure is thrown once those in flight have settled: a
 * retry of the whole (a saga runner's batch) never runs beside work of the attempt before it.
 */
export const inParallel = async <T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { reason: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (reason) {
        failure ??= { reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.reason;
  return results;
};
