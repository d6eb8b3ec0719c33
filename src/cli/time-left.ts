import type { Progress } from '../operations/rebuild.js';

/** How long a rebuild's progress needs before its rate says anything about the time left. */
const SETTLED_MS = 1000;

/**
 * The time a rebuild has left, for its progress bar: the events still to fold (the log's head
 * less the position reached) at the rate folded so far; `estimating` until a second has passed
 * with events folded (cli-progress's own ETA reads "0s" before its first estimate).
 */
export const timeLeft = ({ position, head, events, elapsedMs }: Progress): string => {
  if (position >= head) return '0s';
  if (events === 0 || elapsedMs < SETTLED_MS) return 'estimating';
  const seconds = Math.ceil(((head - position) * elapsedMs) / events / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  return minutes > 0 ? `${minutes}m${String(rest).padStart(2, '0')}s` : `${rest}s`;
};
