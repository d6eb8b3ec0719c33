import fc from 'fast-check';
import { contractCheck } from '../support/contract.js';
import { SchemaValues, type Schema } from './json-values.js';
import { operationsOf, send, urlOf, type Caller, type FuzzRequest, type Operation } from './requests.js';
import { bodySpoilers, headerSpoilers, querySpoilers, type Spoil } from './spoilers.js';
import { startWorld, type World } from './world.js';

/**
 * Fuzzing from the OpenAPI document: for every operation, valid requests and each kind of
 * invalid one (./spoilers.ts), with fast-check's shrinking. The properties, per request:
 * - never a 5xx;
 * - the answer is one the document lists for the operation, with its schema (the app's agent
 *   checks every answer: test/support/contract.ts), so every error is problem+json;
 * - a spoiled request gets the status its one defect calls for;
 * - a request the document calls valid is not refused as malformed (400): the document is
 *   not looser than the server;
 * - a refused request (4xx) appended nothing.
 */

export type FuzzOptions = { runs: number; seed: number; only?: string[]; path?: string; log?: (line: string) => void };
export type OperationOutcome = { op: string; runs: number; details: fc.RunDetails<[FuzzRequest]> };

const CALLERS: Record<Operation['role'], Caller[]> = { anonymous: ['none', 'customer', 'admin'], customer: ['customer', 'other', 'admin'], admin: ['admin'] };

/** Valid requests for `op`, as the document describes them. */
const validRequests = (world: World, values: SchemaValues, op: Operation): fc.Arbitrary<FuzzRequest> => {
  const params = fc.record(Object.fromEntries(op.params.map((p) => [p.name, world.pathValues(p.name)])));
  const query = fc.record(
    Object.fromEntries(op.query.map((p) => [p.name, values.of(p.schema, p.name).map(String)])),
    { requiredKeys: op.query.filter((p) => p.required).map((p) => p.name) },
  );
  const body = op.body ? values.of(op.body.schema).map((b) => b as unknown) : fc.constant(undefined);
  const key = op.headers.includes('Idempotency-Key') ? fc.option(fc.uuid(), { nil: undefined }) : fc.constant(undefined);
  return fc.record({ params, query, body, caller: fc.constantFrom(...CALLERS[op.role]), key }).map(({ params, query, body, caller, key }): FuzzRequest => ({
    kind: 'valid',
    op: op.id,
    method: op.method,
    url: urlOf(op, params as Record<string, string>, inOrder(op, adminsOnly(op, caller, noCursor(op, signedInOrGiven(world, op, caller, query as Record<string, string>))))),
    caller,
    headers: key ? { 'Idempotency-Key': key } : ({} as Record<string, string>),
    ...(body !== undefined ? { body } : {}),
  }));
};

/** A parameter with `x-required-unless-signed-in` is given when the caller is not signed in (a product the world has). */
const signedInOrGiven = (world: World, op: Operation, caller: Caller, query: Record<string, string>): Record<string, string> => {
  const needed = op.query.filter((p) => p.schema['x-required-unless-signed-in'] && query[p.name] === undefined);
  return caller !== 'none' || needed.length === 0 ? query : { ...query, ...Object.fromEntries(needed.map((p) => [p.name, world.ids.products[0]!])) };
};

/** A parameter with `x-admin-only` is an admin's filter: left out for other callers (a customer's naming another customer is 400). */
const adminsOnly = (op: Operation, caller: Caller, query: Record<string, string>): Record<string, string> =>
  caller === 'admin' ? query : Object.fromEntries(Object.entries(query).filter(([name]) => !op.query.find((p) => p.name === name)?.schema['x-admin-only']));

/** A parameter with `x-cursor` takes a list's `next` as the list made it, which no schema describes: left out of valid requests. */
const noCursor = (op: Operation, query: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(query).filter(([name]) => !op.query.find((p) => p.name === name)?.schema['x-cursor']));

/** A cursor the list never made, though it has a cursor's characters: 400. */
const cursorSpoilers = (op: Operation): Spoil[] => {
  const cursor = op.query.find((p) => p.schema['x-cursor']);
  if (!cursor) return [];
  const madeUp = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), fc.constant(Buffer.from('["-createdAt,_id",{"$gt":""},"x"]').toString('base64url')));
  return [(r) => madeUp.map((bad) => ({ ...r, url: `${r.url}${r.url.includes('?') ? '&' : '?'}${cursor.name}=${bad}`, kind: `query: a cursor made up (${bad})`, expect: [400] }))];
};

/** A parameter with `x-at-most: other` is not above `other` when both are given: the two are swapped if it is. */
const inOrder = (op: Operation, query: Record<string, string>): Record<string, string> => {
  const ordered = { ...query };
  for (const p of op.query) {
    const other = p.schema['x-at-most'];
    if (typeof other !== 'string' || ordered[p.name] === undefined || ordered[other] === undefined) continue;
    if (Number(ordered[p.name]) > Number(ordered[other])) [ordered[p.name], ordered[other]] = [ordered[other]!, ordered[p.name]!];
  }
  return ordered;
};

/** Who may not call `op`: no token, a token that does not verify, a customer on an admin route, B on A's order. */
const callerSpoilers = (world: World, op: Operation): Spoil[] => {
  if (!op.api) return [];
  const spoilers: Spoil[] = [(r) => fc.constantFrom<Caller>('garbage', 'tampered', 'unsigned', 'foreign').map((caller) => ({ ...r, caller, kind: `caller: a ${caller} token`, expect: [401] }))];
  if (op.role !== 'anonymous') spoilers.push((r) => fc.constant({ ...r, caller: 'none' as const, kind: 'caller: no token', expect: [401] }));
  if (op.role === 'admin') spoilers.push((r) => fc.constantFrom<Caller>('customer', 'other').map((caller) => ({ ...r, caller, kind: 'caller: a customer on an admin route', expect: [403] })));
  const owned = /^\/api\/v1\/(orders|payments)\/\{id\}/.exec(op.path);
  if (op.role === 'customer' && owned) {
    const ids = owned[1] === 'orders' ? world.ownedByA.orders : world.ownedByA.payments;
    spoilers.push((r) =>
      fc.constantFrom(...ids).map((id) => ({ ...r, caller: 'other' as const, url: r.url.replace(/^(\/api\/v1\/(?:orders|payments)\/)[^/?]+/, `$1${id}`), kind: "caller: another customer's id", expect: [404] })),
    );
  }
  return spoilers;
};

/** Path parameters that name nothing: not an id of the kind the route takes. */
const pathSpoilers = (op: Operation): Spoil[] => {
  const uuids = op.params.filter((p) => p.schema.format === 'uuid');
  if (!op.api || uuids.length === 0) return [];
  return [(r) => fc.constantFrom('not-a-uuid', '1', '00000000-0000-0000-0000-00000000000g', "' OR 1=1 --").map((bad) => ({ ...r, url: r.url.replace(/[0-9a-f-]{36}/i, encodeURIComponent(bad)), kind: `path: ${bad} as an id`, expect: [404] }))];
};

export const requestsFor = (world: World, values: SchemaValues, op: Operation, resolve: (ref: string) => Schema): fc.Arbitrary<FuzzRequest> => {
  const valid = validRequests(world, values, op);
  const spoilers = [...bodySpoilers(op, resolve), ...querySpoilers(op), ...cursorSpoilers(op), ...headerSpoilers(op), ...callerSpoilers(world, op), ...pathSpoilers(op)];
  // A valid request as often as any one kind of spoiled one, so the handlers' own decisions get their share.
  return fc.oneof(valid, ...spoilers.map((spoil) => valid.chain(spoil)));
};

/** Sends one request and checks every property; throws (with what was sent and answered) when one fails. */
export const checkRequest = async (world: World, request: FuzzRequest): Promise<void> => {
  const res = await send(world, request);
  if (res.status === 200 && /\/account\/me\/sign-out$/.test(request.url)) await world.signInAgain(request.caller);
  const answered = `${request.method.toUpperCase()} ${request.url.slice(0, 200)} (${request.kind}, as ${request.caller}) → ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`;
  if (res.status >= 500) throw new Error(`a server error: ${answered}`);
  if (request.expect && !request.expect.includes(res.status)) throw new Error(`expected ${request.expect.join(' or ')}: ${answered}`);
  if (!request.expect && res.status === 400) throw new Error(`a request the document calls valid was refused as malformed: ${answered}`);
  if (res.status >= 400) {
    const appended = world.appendedBy(String(res.headers['x-request-id']));
    if (appended > 0) throw new Error(`a refused request appended ${appended} event(s): ${answered}`);
  }
};

/** Runs the property on every operation (or those named in `only`); one world for all of them. */
export const runOperationFuzz = async (options: FuzzOptions): Promise<OperationOutcome[]> => {
  const world = await startWorld();
  try {
    const document = contractCheck().document;
    const resolve = (ref: string) => document.components.schemas[ref.replace('#/components/schemas/', '')] as Schema;
    const values = new SchemaValues(resolve, world.hints);
    const operations = operationsOf(document).filter((op) => !options.only || options.only.includes(op.id));
    const perOperation = Math.max(1, Math.ceil(options.runs / operations.length));
    const outcomes: OperationOutcome[] = [];
    for (const op of operations) {
      const property = fc.asyncProperty(requestsFor(world, values, op, resolve), (request) => checkRequest(world, request));
      const details = await fc.check(property, { numRuns: perOperation, seed: options.seed, ...(options.path ? { path: options.path } : {}), endOnFailure: false });
      options.log?.(`${details.failed ? '✗' : '✓'} ${op.id}: ${details.numRuns} requests${details.failed ? ` — FAILED after ${details.numShrinks} shrinks` : ''}`);
      outcomes.push({ op: op.id, runs: details.numRuns, details });
    }
    return outcomes;
  } finally {
    await world.close();
  }
};
