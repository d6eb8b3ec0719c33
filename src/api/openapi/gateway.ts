import { arr, money, obj, str } from '../../projections/json-schema.js';
import type { JsonSchema } from '../../projections/json-schema.js';
import { waitsForReadModels, type RouteGroup, type RouteSpec } from './route-table.js';

/**
 * What the gateway (src/api/app.ts) adds to every route of an edge: the problems it can
 * answer before or around any handler, and the headers it reads and answers.
 */

/** RFC 9457 problem details, as src/api/problems.ts sends them. */
export const problemSchema = obj(
  {
    type: str({ pattern: '^urn:shop:problem:[a-z-]+$' }),
    title: str(),
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: str(),
    errors: arr(obj({ field: str(), message: str() })),
    // A checkout refused as `prices-changed`: the cart's lines it re-priced.
    changes: arr(obj({ productId: str(), sku: str(), name: str(), previousPrice: money(), unitPrice: money() })),
    // A checkout refused as `out-of-stock`: its lines the shop has not enough of.
    shortages: arr(obj({ productId: str(), sku: str(), name: str(), quantity: { type: 'integer', minimum: 1 }, available: { type: 'integer', minimum: 0 } })),
  },
  ['errors', 'changes', 'shortages'],
);

/** What each status means, wherever it is answered. */
export const PROBLEM_MEANINGS: Record<number, string> = {
  400: 'Malformed JSON, a body that is not a JSON object, an unknown or mistyped field (`errors[]` names each), a bad header value (If-Match, Idempotency-Key, X-Min-Position), a header the route does not read (If-Match on a read, on a write that is no command or on notify-me; If-None-Match on a write; X-Min-Position on a write or on a read that does not wait for the read models), an Idempotency-Key on a route other than POST, or a query string on a route that reads none.',
  401: 'No bearer token where one is needed, or one that is expired, invalid or names no account (`WWW-Authenticate` says which).',
  403: 'The token is valid but its account may not do this (an admin route, a review of a product not received).',
  404: 'No such resource, or not the caller\'s (another customer\'s order answers 404).',
  409: 'The state forbids it (already shipped, not enough available, the SKU or email taken) or a concurrent write won, or the customer was erased meanwhile. A checkout whose cart held a price the catalog changed since is `prices-changed`: the cart now holds the new prices (`changes[]` lists them, `ETag` is the cart\'s new revision), nothing is ordered, and the checkout sent again orders at them. A checkout of lines the shop has not enough of is `out-of-stock` (`shortages[]`: each line\'s `quantity` and what is `available`): nothing is ordered or charged, and the cart stays as it is.',
  412: 'If-Match names another revision than the current one (`ETag` carries the current one), or a creation was sent with If-Match.',
  413: 'The body is larger than 1 MiB.',
  415: 'The body is not application/json, or its charset or encoding is not supported.',
  417: 'An `Expect` other than `100-continue`, which cannot be met.',
  422: 'The request is well-formed but cannot be done (an empty cart), or its Idempotency-Key was used with another body.',
  429: 'Too many requests from this client, too many failed sign-ins for this account, or too much at once from this client (password checks, live streams); `Retry-After` says when to try again.',
  500: 'A failure on our side; it has been logged.',
  503: 'The store is busy (another process of the shop holds its write lock), the payment provider did not answer, (a checkout) the shop is taking orders faster than it can process them (`orders-backlogged`), or (a read) the read models did not reach the caller\'s last write, the `X-Min-Position` named, or for a miss by id the log\'s head, within their wait (`read-models-behind`: another process taking them over from one that stopped): nothing was done or read; `Retry-After` says when to try again.',
};

const isWrite = (spec: RouteSpec) => spec.method !== 'get';
const runsCommand = (group: RouteGroup, spec: RouteSpec) => group.edge === 'api' && isWrite(spec) && spec.command !== false;
/** A command whose client may name the revision it saw (If-Match, 412) and is answered the new one (ETag). */
const takesIfMatch = (group: RouteGroup, spec: RouteSpec) => runsCommand(group, spec) && spec.ifMatch !== false;

/** Every problem status a route can answer: its own and the gateway's. */
export const problemStatuses = (group: RouteGroup, spec: RouteSpec): number[] => {
  // 417: an Expect the server cannot meet, answered before any route (client-errors.ts).
  const statuses = new Set<number>([...spec.problems, 417, 500]);
  if (group.edge === 'api') [400, 401, 413, 415, 429, 503].forEach((s) => statuses.add(s));
  if (spec.role === 'admin') statuses.add(403);
  // A command may lose a race (409); one that reads If-Match answers 412 on a mismatch.
  if (runsCommand(group, spec)) statuses.add(409);
  if (takesIfMatch(group, spec)) statuses.add(412);
  // A repeat of an Idempotency-Key with another body.
  if (group.edge === 'api' && spec.method === 'post') statuses.add(422);
  return [...statuses].sort();
};

export type HeaderUse = { name: string; schema: JsonSchema; description: string; required?: boolean };

/** The headers of a report signed by the carrier (../../infrastructure/carrier/webhook-signature.ts). */
const CARRIER_SIGNATURE: HeaderUse[] = [
  { name: 'X-Carrier-Timestamp', required: true, schema: str({ pattern: '^\\d{1,12}$' }), description: 'When the carrier signed the report, in Unix seconds; more than 5 minutes from now either way is refused (401).' },
  { name: 'X-Carrier-Signature', required: true, schema: str({ pattern: '^sha256=[0-9a-f]{64}$' }), description: '`sha256=` and the hex HMAC-SHA256 of `<X-Carrier-Timestamp>.<raw body>` with CARRIER_WEBHOOK_SECRET; a wrong or missing one is refused (401).' },
];

export const REQUEST_ID: HeaderUse = { name: 'X-Request-Id', schema: str({ maxLength: 200 }), description: 'Echoed, or generated; the correlation id of the events the request appends.' };

/** The request headers an operation reads beyond Authorization. */
export const requestHeaders = (group: RouteGroup, spec: RouteSpec): HeaderUse[] => {
  const headers = [REQUEST_ID];
  if (spec.cache === 'file') headers.push(...FILE_CONDITIONS);
  if (group.edge !== 'api') return headers;
  if (spec.cache === 'public') headers.push({ name: 'If-None-Match', schema: str({ maxLength: 2000 }), description: 'ETags of answers kept (a list, weak or strong, or `*`): 304 and no body when one is the current answer\'s (callers not signed in).' });
  if (spec.headers?.includes('X-Carrier-Signature')) headers.push(...CARRIER_SIGNATURE);
  if (spec.headers?.includes('Last-Event-ID')) headers.push({ name: 'Last-Event-ID', schema: str({ pattern: '^\\d{1,9}$' }), description: 'Resume a stream of events after the event of this id (EventSource sends it when it reconnects).' });
  if (waitsForReadModels(group, spec)) headers.push({ name: 'X-Min-Position', schema: str({ pattern: '^\\d{1,16}$' }), description: 'Wait (up to READ_WAIT_MS) until the read models have processed this log position (from an `X-Position`): 503 `read-models-behind` if they do not in time, 400 if it is past the end of the log.' });
  if (spec.method === 'post') headers.push({ name: 'Idempotency-Key', schema: str({ minLength: 1, maxLength: 255 }), description: 'A repeat with the same key and body answers the first answer (`Idempotent-Replayed: true`) and appends nothing.' });
  if (takesIfMatch(group, spec)) headers.push({ name: 'If-Match', schema: str({ examples: ['"3"'] }), description: 'The revision (a strong ETag) the change is based on; 412 if it moved on.' });
  return headers;
};

/** The headers a success answer carries. */
export const successHeaders = (group: RouteGroup, spec: RouteSpec): HeaderUse[] => {
  const headers = [REQUEST_ID];
  const own = spec.headers ?? [];
  // A command's answer carries its aggregate's revision; a public read's, to a caller not signed in, a validator of the answer.
  if (spec.cache === 'public') headers.push(cacheEtag(own.includes('ETag')));
  else if (spec.cache === 'file') headers.push(...FILE_VALIDATORS);
  else if (own.includes('ETag') || takesIfMatch(group, spec)) headers.push(revisionEtag(spec));
  if (own.includes('Location')) headers.push({ name: 'Location', schema: str(), description: 'Where the resource is.' });
  if (group.edge !== 'api') return headers;
  headers.push(cacheControl(spec));
  headers.push({ name: 'RateLimit-Remaining', schema: str({ pattern: '^\\d+$' }), description: 'Requests left in this client\'s window (when a limit is configured).' });
  if (runsCommand(group, spec)) headers.push({ name: 'X-Position', schema: str({ pattern: '^\\d+$' }), description: 'The log position of the write: send it as X-Min-Position to read your own write from anywhere.' });
  if (spec.method === 'post') headers.push({ name: 'Idempotent-Replayed', schema: { type: 'string', enum: ['true'] }, description: 'Present on the stored answer to a repeated Idempotency-Key.' });
  return headers;
};

/** A resource's revision; a resource read before its first write (`etag: 'once-written'`) has none yet, and the header is not required. */
const revisionEtag = (spec: RouteSpec): HeaderUse =>
  spec.etag === 'once-written'
    ? { name: 'ETag', required: false, schema: str({ pattern: '^"\\d+"$' }), description: 'The revision of the resource, for If-Match: present once the resource has had a write; none before (there is no revision yet).' }
    : { name: 'ETag', schema: str({ pattern: '^"\\d+"$' }), description: 'The revision of the resource, for If-Match.' };

/** What a file's answer (and its 304) carries: validators of the file on disk (serve-static's), asked about each time. */
export const FILE_VALIDATORS: HeaderUse[] = [
  { name: 'ETag', schema: str({ pattern: '^W/"[0-9a-f]+-[0-9a-f]+"$' }), description: 'A validator of the file (its size and time), for If-None-Match.' },
  { name: 'Last-Modified', schema: str(), description: 'When the file changed, for If-Modified-Since.' },
  { name: 'Cache-Control', schema: { type: 'string', enum: ['public, max-age=0'] }, description: 'May be kept, but is asked about again each time (304 while unchanged).' },
];

const FILE_CONDITIONS: HeaderUse[] = [
  { name: 'If-None-Match', schema: str({ maxLength: 2000 }), description: 'The ETag of the file kept: 304 and no body while it is the current one.' },
  { name: 'If-Modified-Since', schema: str(), description: 'When the file kept was last modified: 304 and no body unless it changed since.' },
];

/** What a cacheable read's answer (and its 304) says of its ETag. */
export const cacheEtag = (revisioned: boolean): HeaderUse => ({
  name: 'ETag',
  schema: str({ pattern: revisioned ? '^("\\d+"|W/"[A-Za-z0-9_-]+")$' : '^W/"[A-Za-z0-9_-]+"$' }),
  description: revisioned
    ? 'Not signed in: a validator of this answer, for If-None-Match. Signed in: the revision of the resource, for If-Match.'
    : 'Not signed in: a validator of this answer, for If-None-Match.',
});

/** `Cache-Control` of an /api/v1 answer (../caching.ts). */
export const cacheControl = (spec: RouteSpec): HeaderUse =>
  spec.cache === 'public'
    ? { name: 'Cache-Control', schema: { type: 'string', pattern: '^(public, max-age=\\d+|private, no-store)$' }, description: 'Not signed in: `public, max-age=<CACHE_MAX_AGE_S>` (5 by default). Signed in (an Authorization header): `private, no-store`.' }
    : { name: 'Cache-Control', schema: { type: 'string', enum: ['no-store', 'private, no-store'] }, description: 'Never stored: `private, no-store` when signed in, `no-store` otherwise.' };
