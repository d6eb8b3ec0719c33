/** The stores a shop was given are not of one shop (see startup-checks.ts): it does not start, and says why and what to do. */
export class StartupRefused extends Error {}
