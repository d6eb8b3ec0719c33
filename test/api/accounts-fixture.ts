import { startTestApp } from '../support/test-app.js';

/**
 * The app the accounts' tests start, each test its own: sign-in throttled after 3 failures.
 * Registering: accounts-registration.test.ts; signing in, the profile and signing out:
 * accounts-sessions.test.ts; the saved addresses: accounts-addresses.test.ts.
 */
export const startAccountsApp = () => startTestApp({ loginMaxFailures: 3 });
