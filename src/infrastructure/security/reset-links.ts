import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token of an emailed password-reset link: `<customerId>.<requestId>.<mac>`, the MAC an
 * HMAC-SHA256 of the two ids under a key derived from the shop's JWT secret. The log keeps the
 * request (`CustomerPasswordResetRequested`, its ids) but never a token: whoever reads the log
 * or a backup of it cannot make one. Whether the link still works (the last asked for, unused,
 * not expired) is the customer's stream's to say, not the token's.
 */
export type ResetRequest = { customerId: string; requestId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ResetLinks {
  private readonly key: Buffer;

  /**
   * @param secret the JWT secret (every process of a shop has the same)
   * @param base the storefront's address as customers reach it (PUBLIC_URL): links open its reset page
   */
  constructor(secret: string, private readonly base: string) {
    this.key = createHmac('sha256', secret).update('password-reset links').digest();
  }

  tokenOf({ customerId, requestId }: ResetRequest): string {
    return `${customerId}.${requestId}.${this.mac(customerId, requestId)}`;
  }

  /** The storefront's page that takes the new password for this request. */
  linkOf(request: ResetRequest): string {
    return `${this.base.replace(/\/+$/, '')}/reset-password?token=${this.tokenOf(request)}`;
  }

  /** The request a token was made for, or undefined for anything this shop did not make (a typo, a forgery, another shop's key). */
  read(token: string): ResetRequest | undefined {
    const [customerId, requestId, mac, ...rest] = token.split('.');
    if (rest.length > 0 || !customerId || !requestId || !mac || !UUID.test(customerId) || !UUID.test(requestId)) return undefined;
    const expected = Buffer.from(this.mac(customerId, requestId));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? { customerId, requestId } : undefined;
  }

  private mac(customerId: string, requestId: string): string {
    return createHmac('sha256', this.key).update(`${customerId}\n${requestId}`).digest('base64url');
  }
}
