/**
 * What the route table (route-table.ts) says of one route, and the valid values its areas'
 * lists (routes-account.ts, routes-catalog.ts, routes-orders.ts, routes-admin.ts) share.
 */

export type Caller = 'anyone' | 'customer' | 'admin';
export type Ids = { productId: string; sku: string; unknownId: string };

export type RouteCase = {
  route: string;
  as: Caller;
  url: (ids: Ids) => string;
  /** A valid body (ids filled in): each field, nested ones too, is spoiled in turn. */
  body?: (ids: Ids) => Record<string, unknown>;
  /** Body fields where blank is a legitimate value (an empty review text or description). */
  blankAllowed?: string[];
  /** Passwords: opaque, so a bidirectional mark is theirs to hold (a right-to-left keyboard may type one). */
  opaque?: string[];
  /** A valid query: each field is spoiled in turn. */
  query?: (ids: Ids) => Record<string, string>;
  /** Query fields given as numbers (blank is refused); the other, optional texts, take blank as left out. */
  numbers?: string[];
  /** Query fields that are required texts (blank is refused). */
  required?: string[];
  /** Signed as the carrier signs its webhooks (X-Carrier-Timestamp, X-Carrier-Signature over the body sent). */
  signed?: boolean;
  /** Outside /api/v1: no body is read there at all. */
  readsNoBody?: boolean;
};

/** Valid values more than one area sends. */
export const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
export const page = { page: '1', pageSize: '10' };
export const PAGING = ['page', 'pageSize'];
