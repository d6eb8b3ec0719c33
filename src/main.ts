/**
 * Entry point of `npm start`. It loads nothing but the keeper of early signals before the rest
 * (start.ts): a module's static imports are all loaded before any of them runs, and the shop's
 * take a quarter of a second, during which a SIGTERM or SIGINT would end the process by the
 * signal. Kept, it is a clean stop once the handlers are installed (see early-signals.ts).
 */
import './early-signals.js';

await import('./start.js');
