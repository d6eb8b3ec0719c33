import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Carrier webhooks are signed with HMAC-SHA256 over `<timestamp>.<raw body>` with the shared
 * secret (CARRIER_WEBHOOK_SECRET):
 *   X-Carrier-Timestamp: <unix time in seconds>
 *   X-Carrier-Signature: sha256=<hex digest>
 * A report is accepted only if its signature matches (compared in constant time) and its
 * timestamp is within 5 minutes of now either way, so a captured request cannot be replayed
 * later; a replay within the window is caught by its event id.
 */

export const TIMESTAMP_HEADER = 'X-Carrier-Timestamp';
export const SIGNATURE_HEADER = 'X-Carrier-Signature';
export const TOLERANCE_S = 300;

export const signatureOf = (secret: string, timestamp: string, body: string | Buffer): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;

/** The headers of a signed report, `now` being the time of sending. */
export const signedHeaders = (secret: string, body: string, now: Date): Record<string, string> => {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signatureOf(secret, timestamp, body) };
};

export type Verdict = { ok: true } | { ok: false; why: string };

export const verifySignature = (
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  now: Date,
): Verdict => {
  const { timestamp, signature } = headers;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, why: `missing or malformed ${TIMESTAMP_HEADER}` };
  if (!signature) return { ok: false, why: `missing ${SIGNATURE_HEADER}` };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_S) return { ok: false, why: 'the timestamp is more than 5 minutes away from now' };
  const expected = Buffer.from(signatureOf(secret, timestamp, body));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; the length of a well-formed signature is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'the signature does not match' };
  return { ok: true };
};
