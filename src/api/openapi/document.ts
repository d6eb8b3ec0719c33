import type { JsonSchema } from '../../projections/json-schema.js';
import { TEXT_RULES } from '../input/text-rules.js';
import { dtoSchemas, SCHEMA_PREFIX, SHOP_CURRENCY } from './dto-schemas.js';
import { cacheControl, cacheEtag, FILE_VALIDATORS, PROBLEM_MEANINGS, problemSchema, problemStatuses, REQUEST_ID, requestHeaders, successHeaders, type HeaderUse } from './gateway.js';
import { fullPath, openApiPath, type DtoClass, type Role, type RouteGroup, type RouteSpec } from './route-table.js';

/** The OpenAPI 3.1 document of a route table: built once at start, served at /openapi.json. */

export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } & JsonSchema } & JsonSchema;
type Operation = JsonSchema & { responses: Record<string, JsonSchema> };

const ROLE_TEXT: Record<Role, string> = {
  anonymous: 'Anyone; a bearer token, when sent, must be valid.',
  customer: 'A signed-in customer (or an admin): `Authorization: Bearer <token>`.',
  admin: 'An admin: a customer token gets 403.',
};

/** What the served document says of this shop in particular: the one currency it sells in. */
export type DocumentOptions = { currency?: string };

export const buildDocument = (table: readonly RouteGroup[], version: string, options: DocumentOptions = {}): OpenApiDocument => {
  const specs = table.flatMap((group) => Object.values(group.routes));
  const dtos = specs.flatMap((spec) => [spec.body, spec.query]).filter((dto): dto is DtoClass => dto !== undefined);
  const schemas = dtoSchemas(dtos);
  if (options.currency) narrowCurrency(schemas, options.currency);
  const paths: OpenApiDocument['paths'] = {};
  for (const group of table) {
    for (const [operationId, spec] of Object.entries(group.routes)) {
      const path = openApiPath(fullPath(group, spec));
      paths[path] = { ...paths[path], [spec.method]: operation(group, operationId, spec, schemas) };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Shop API',
      version,
      description: 'An event-sourced shop. Money is `{ amount: integer minor units, currency }`; errors are `application/problem+json`. Writes answer `X-Position`; send it back as `X-Min-Position` to read your own writes. Text fields are trimmed and NFC-normalised, then checked against the rules their `x-text-rules` names (defined under `x-text-rules` at the top of this document).',
    },
    servers: [{ url: '/', description: 'This server' }],
    'x-text-rules': TEXT_RULES,
    tags: [...new Set(table.map((group) => group.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...schemas, Problem: problemSchema },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token from POST /api/v1/account/login.' } },
    },
  };
};

/** Every field marked as the shop's currency takes that one code. */
const narrowCurrency = (schemas: Record<string, JsonSchema>, currency: string) => {
  for (const schema of Object.values(schemas)) {
    for (const property of Object.values((schema.properties ?? {}) as Record<string, JsonSchema>)) {
      if (property[SHOP_CURRENCY]) property.enum = [currency];
    }
  }
};

const operation = (group: RouteGroup, operationId: string, spec: RouteSpec, schemas: Record<string, JsonSchema>): Operation => ({
  operationId,
  tags: [group.tag],
  summary: spec.summary,
  description: [spec.description, `**Who:** ${ROLE_TEXT[spec.role]}`].filter(Boolean).join('\n\n'),
  'x-role': spec.role,
  security: group.edge === 'root' ? [] : spec.role === 'anonymous' ? [{}, { bearer: [] }] : [{ bearer: [] }],
  parameters: [...pathParameters(spec), ...queryParameters(spec, schemas), ...requestHeaders(group, spec).map(headerParameter)],
  ...(spec.body ? { requestBody: requestBody(spec) } : {}),
  responses: responses(group, spec),
});

const pathParameters = (spec: RouteSpec) =>
  Object.entries(spec.params ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema }));

/** A query DTO's fields, one parameter each (query strings are flat). */
const queryParameters = (spec: RouteSpec, schemas: Record<string, JsonSchema>) => {
  if (!spec.query) return [];
  const schema = schemas[spec.query.name]!;
  const required = (schema.required as string[] | undefined) ?? [];
  return Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    schema: property,
    ...(spec.example.query?.[name] !== undefined ? { example: spec.example.query[name] } : {}),
  }));
};

const headerParameter = (header: HeaderUse) => ({ name: header.name, in: 'header', required: header.required ?? false, schema: header.schema, description: header.description });

const requestBody = (spec: RouteSpec) => ({
  required: !spec.bodyOptional,
  content: { 'application/json': { schema: { $ref: `${SCHEMA_PREFIX}${spec.body!.name}` }, ...(spec.example.body !== undefined ? { example: spec.example.body } : {}) } },
});

const responses = (group: RouteGroup, spec: RouteSpec): Record<string, JsonSchema> => {
  const answers: Record<string, JsonSchema> = {};
  // `required` only where a route says it (an ETag that a resource not yet written lacks): OpenAPI's default is false.
  const headers = Object.fromEntries(successHeaders(group, spec).map((h) => [h.name, { description: h.description, ...(h.required !== undefined ? { required: h.required } : {}), schema: h.schema }]));
  const type = spec.success.contentType ?? 'application/json';
  for (const status of [spec.success.status].flat()) {
    const content = spec.success.schema ? { content: { [type]: { schema: spec.success.schema, ...(spec.example.response !== undefined ? { example: spec.example.response } : {}) } } } : {};
    answers[String(status)] = { description: spec.success.description, headers, ...content };
  }
  if (spec.cache === 'public') answers['304'] = notModifiedResponse(spec);
  if (spec.cache === 'file') answers['304'] = { description: 'Not modified: the file kept is the current one. No body.', headers: Object.fromEntries([REQUEST_ID, ...FILE_VALIDATORS].map((h) => [h.name, { description: h.description, schema: h.schema }])) };
  for (const status of problemStatuses(group, spec)) answers[String(status)] = problemResponse(status, group.edge === 'api' && spec.method === 'post', spec);
  return answers;
};

/** A cacheable read's answer to an If-None-Match naming its current ETag: no body, the headers of the 200 it stands for. */
const notModifiedResponse = (spec: RouteSpec): JsonSchema => ({
  description: 'Not modified: the answer is still the one whose ETag If-None-Match named (callers not signed in). No body.',
  headers: Object.fromEntries([REQUEST_ID, cacheEtag(false), cacheControl(spec)].map((h) => [h.name, { description: h.description, schema: h.schema }])),
});

/** A problem answer; `replayable`: a final one is stored under an Idempotency-Key and replayed. */
const problemResponse = (status: number, replayable: boolean, spec: RouteSpec): JsonSchema => {
  const headers: Record<string, JsonSchema> = { 'X-Request-Id': { schema: { type: 'string' } }, 'Cache-Control': { description: 'Problems are never stored by caches.', schema: { type: 'string', enum: ['no-store'] } } };
  if (status === 429 || status === 503) headers['Retry-After'] = { description: 'Seconds to wait.', schema: { type: 'string', pattern: '^\\d+$' } };
  if (status === 401) headers['WWW-Authenticate'] = { description: 'How to authenticate.', schema: { type: 'string' } };
  if (status === 412) headers.ETag = { description: 'The current revision.', schema: { type: 'string' } };
  if (status === 409 && spec.conflictEtag) headers.ETag = { description: spec.conflictEtag, schema: { type: 'string' } };
  if (replayable) headers['Idempotent-Replayed'] = { description: 'Present on the stored answer to a repeated Idempotency-Key.', schema: { type: 'string', enum: ['true'] } };
  return {
    description: PROBLEM_MEANINGS[status] ?? 'A problem.',
    headers,
    content: { 'application/problem+json': { schema: { $ref: `${SCHEMA_PREFIX}Problem` } } },
  };
};
