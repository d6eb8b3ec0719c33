/**
 * Preloaded (`--import`) into the processes the tests and benchmarks start: such a process
 * stops itself once the process that started it is gone (a test runner killed, or cut off by
 * a closed pipe), instead of serving on for ever with nobody to stop it. It is told by its
 * parent's pid changing (an orphan is adopted by another process); it then stops as a signal
 * would have it (SIGTERM: the server's clean stop), and for good after 10 s.
 */
const parent = process.ppid;

const watch = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watch);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10_000).unref();
}, 500);
watch.unref();

export {};
