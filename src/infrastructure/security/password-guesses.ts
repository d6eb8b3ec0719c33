/**
 * Counts the password checks of one client address (the sign-in throttle's, src/api/rate-limits.ts), for a
 * command that checks a signed-in customer's password again (erasure, a password change): `attempt`
 * before the check (429 past the limit), `succeeded` after a right one (the attempts given back).
 */
export type PasswordGuesses = { attempt(account: string): Promise<void>; succeeded(account: string): Promise<void> };
