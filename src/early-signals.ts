/**
 * Imported first by main.ts: a SIGTERM or SIGINT that arrives while the process still loads its
 * modules (a quarter of a second here) is kept, not left to end the process, and handed to
 * main.ts's own handlers once they are installed (`replayEarlySignals`): a stop asked for while
 * starting is a clean stop, whenever it comes.
 */
const early: NodeJS.Signals[] = [];
const keep = (signal: NodeJS.Signals) => void early.push(signal);
process.on('SIGTERM', keep);
process.on('SIGINT', keep);

/** Stops keeping signals, and sends the kept ones to the handlers installed since. */
export const replayEarlySignals = (): void => {
  process.off('SIGTERM', keep);
  process.off('SIGINT', keep);
  for (const signal of early.splice(0)) process.emit(signal, signal);
};
