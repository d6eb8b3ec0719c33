import { useLayoutEffect } from 'preact/hooks';

/**
 * Sets typed fields from values of the address (a filter, the search words) whenever those
 * values change: Back, Forward, a link, the form's own submit. It runs in the render that
 * follows the change, before the page paints (a layout effect). An effect after paint runs a
 * frame later, or 35 ms later when frames are late (a busy machine, a hidden tab), and it
 * overwrote what was typed in between: the console's customer filter then submitted the id
 * before the one typed.
 */
export const useAddressSync = (sync: () => void, values: readonly unknown[]): void =>
  useLayoutEffect(() => {
    sync();
  }, values);
