import type supertest from 'supertest';
import type { OpenApiDocument } from '../../src/api/openapi/document.js';
import { signedHeaders } from '../../src/infrastructure/carrier/webhook-signature.js';
import { CARRIER_SECRET } from '../support/test-app.js';
import type { Schema } from './json-values.js';
import type { World } from './world.js';

/**
 * The operations as the OpenAPI document describes them, and the requests the fuzzer sends
 * to them. A request names its caller by role ("customer", "none", "tampered"...), not by its
 * token, so that a shrunk counterexample reads as what was sent.
 */

export type Parameter = { name: string; required: boolean; schema: Schema };

export type Operation = {
  id: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The OpenAPI path (`/api/v1/orders/{id}`). */
  path: string;
  role: 'anonymous' | 'customer' | 'admin';
  /** Under /api/v1 (behind the gateway) or outside it (/health, /docs). */
  api: boolean;
  params: Parameter[];
  query: Parameter[];
  headers: string[];
  body?: { schema: Schema; required: boolean };
  statuses: number[];
};

export type Caller = 'none' | 'customer' | 'other' | 'admin' | 'garbage' | 'tampered' | 'unsigned' | 'foreign';

export type FuzzRequest = {
  /** `valid`, or the one thing spoiled (`body.price.amount: out of range`). */
  kind: string;
  op: string;
  method: Operation['method'];
  url: string;
  caller: Caller;
  headers: Record<string, string>;
  /** A JSON body, sent as application/json... */
  body?: unknown;
  /** ...or exactly these bytes with this content type. */
  raw?: { contentType: string; text: string };
  /** The statuses a spoiled request may get; a valid one may get any the document lists but 400. */
  expect?: number[];
};

export const operationsOf = (document: OpenApiDocument): Operation[] =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, raw]) => {
      const operation = raw as Schema & { parameters?: (Parameter & { in: string })[]; requestBody?: { required: boolean; content: Record<string, { schema: Schema }> } };
      const parameters = operation.parameters ?? [];
      const of = (where: string) => parameters.filter((p) => p.in === where).map(({ name, required, schema }) => ({ name, required, schema }));
      const body = operation.requestBody;
      return {
        id: String(operation.operationId),
        method: method as Operation['method'],
        path,
        role: operation['x-role'] as Operation['role'],
        api: path.startsWith('/api/v1/'),
        params: of('path'),
        query: of('query'),
        headers: of('header').map((h) => h.name),
        ...(body ? { body: { schema: body.content['application/json']!.schema, required: body.required } } : {}),
        statuses: Object.keys(operation.responses as object).map(Number),
      };
    }),
  );

/** The operation's path with its parameters filled in (each encoded). */
export const urlOf = (op: Operation, params: Record<string, string>, query: Record<string, string | string[]> = {}): string => {
  const path = op.path.replace(/\{([^}]+)\}/g, (_all, name: string) => encodeURIComponent(params[name] ?? ''));
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const one of [value].flat()) search.append(key, one);
  const text = search.toString();
  return text ? `${path}?${text}` : path;
};

/** Tokens no route accepts: not a JWT, a signature changed, no signature (alg "none"), signed with another secret. */
const BAD_TOKENS = (world: World): Record<'garbage' | 'tampered' | 'unsigned' | 'foreign', string> => {
  const [header, payload, signature] = world.tokens.customer.split('.') as [string, string, string];
  const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const foreign = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIiwiZXhwIjo0MTAyNDQ0ODAwfQ.5mhBHqs5_DTLdEIeAu6RJDfYMZ0BvwZ4fgp3P-Nlbvk';
  return {
    garbage: 'not-a-token',
    tampered: `${header}.${payload}.${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`,
    unsigned: `${unsignedHeader}.${payload}.`,
    foreign,
  };
};

export const tokenOf = (world: World, caller: Caller): string | undefined => {
  switch (caller) {
    case 'none':
      return undefined;
    case 'customer':
      return world.tokens.customer;
    case 'other':
      return world.tokens.other;
    case 'admin':
      return world.tokens.admin;
    default:
      return BAD_TOKENS(world)[caller];
  }
};

const CARRIER_EVENTS = '/api/v1/carrier/events';

/** Sends `request`; the app's agent checks the answer against the document (test/support/contract.ts). */
export const send = (world: World, request: FuzzRequest): Promise<supertest.Response> => {
  let test = world.app.http()[request.method](request.url);
  // A stream of events never ends: its first events are read, then the client hangs up.
  if (request.method === 'get' && /\/events(\?|$)/.test(request.url)) test = test.buffer(true).parse(firstEvents as unknown as Parameters<typeof test.parse>[0]);
  const token = tokenOf(world, request.caller);
  if (token !== undefined) test = test.set('Authorization', `Bearer ${token}`);
  for (const [name, value] of Object.entries(request.headers)) test = test.set(name, value);
  // The carrier's webhook is signed (with the test carrier's secret) over exactly the bytes sent: its input checks come after the signature's.
  const sign = (text: string) => (request.url.startsWith(CARRIER_EVENTS) ? test.set(signedHeaders(CARRIER_SECRET, text, new Date())) : test);
  if (request.raw) return sign(request.raw.text).set('Content-Type', request.raw.contentType).send(request.raw.text);
  if (request.body !== undefined) return sign(JSON.stringify(request.body)).set('Content-Type', 'application/json').send(JSON.stringify(request.body));
  return sign('');
};

/** Reads a text/event-stream answer up to its first event, then closes it; any other answer whole (JSON parsed). */
const firstEvents = (res: NodeJS.ReadableStream & { headers: Record<string, string | undefined>; destroy: () => void }, done: (error: Error | null, body: unknown) => void) => {
  let text = '';
  let answered = false;
  const answer = (body: unknown) => {
    if (answered) return;
    answered = true;
    done(null, body);
  };
  const stream = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
    if (stream && /\n\n(?!retry)/.test(text) && text.includes('event: ')) {
      res.destroy();
      answer(text);
    }
  });
  res.on('end', () => answer(stream || text === '' ? text : JSON.parse(text)));
  res.on('close', () => answer(text));
};
