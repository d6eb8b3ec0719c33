import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type supertest from 'supertest';
import { buildDocument, type OpenApiDocument } from '../../src/api/openapi/document.js';
import { API_VERSION, ROUTE_TABLE } from '../../src/api/routes/index.js';

/**
 * Every answer the HTTP tests receive is checked against the OpenAPI document: the status
 * must be one its operation lists, the body must match that answer's schema (closed shapes:
 * a missing or extra field fails), the headers the contract names must be documented
 * where they are sent, and every documented header sent must hold what its schema says. A request that matches no operation must answer problem+json.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const DOC_ID = 'https://shop.local/openapi.json';
/** Headers that only some answers may carry: present where undocumented, they fail. */
const CONTRACT_HEADERS = ['etag', 'location', 'x-position', 'idempotent-replayed', 'retry-after'];

/** What the check reads of an answer: supertest's response has it, and checkedFetch builds it. */
export type Answer = { status: number; body: unknown; headers: Record<string, string | string[] | undefined> };

type Response = { description: string; headers?: Record<string, { schema: object }>; content?: Record<string, { schema: object }> };
type Operation = { operationId: string; responses: Record<string, Response> };
type Matcher = { method: string; pattern: RegExp; path: string; operation: Operation };

export class ContractCheck {
  /** As the test apps serve it: their shop sells in USD. */
  readonly document: OpenApiDocument = buildDocument(ROUTE_TABLE, API_VERSION, { currency: 'USD' });
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  private readonly matchers: Matcher[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv.addSchema(this.document as object, DOC_ID);
    this.matchers = Object.entries(this.document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({ method, path, pattern: patternOf(path), operation: operation as unknown as Operation })),
    );
  }

  /** Throws (failing the test) when `res` is not an answer the document allows for `method url`. */
  check(method: string, url: string, res: Answer): void {
    const verb = method.toLowerCase();
    if (verb === 'options' || verb === 'head') return;
    const pathname = new URL(url, 'http://localhost').pathname;
    // A path the document names exactly first (`/docs/` before `/docs`, which a loose prefix matches with its slash too).
    const found = this.matchers.find((m) => m.method === verb && m.path === pathname) ?? this.matchers.find((m) => m.method === verb && m.pattern.test(pathname));
    const where = `${method} ${pathname} → ${res.status}`;
    if (!found) return this.validate('#/components/schemas/Problem', res.body, `${where} (no such operation: must be problem+json)`);
    const answer = found.operation.responses[String(res.status)];
    if (!answer) throw new Error(`${where}: status ${res.status} is not documented for ${found.operation.operationId} (${JSON.stringify(res.body)})`);
    this.checkHeaders(found, res, answer, where);
    const [type] = Object.keys(answer.content ?? {});
    if (!type) return;
    const sent = String(res.headers['content-type'] ?? '');
    if (type !== '*/*' && !sent.startsWith(type)) throw new Error(`${where}: content type ${sent}, documented ${type}`);
    if (!type.includes('json')) return;
    const pointer = `#/paths/${escape(found.path)}/${found.method}/responses/${res.status}/content/${escape(type)}/schema`;
    this.validate(pointer, res.body, where);
  }

  private checkHeaders(found: Matcher, res: Answer, answer: Response, where: string) {
    const documented = new Set(Object.keys(answer.headers ?? {}).map((h) => h.toLowerCase()));
    for (const header of CONTRACT_HEADERS) {
      if (res.headers[header] !== undefined && !documented.has(header)) {
        throw new Error(`${where}: answers ${header} but ${found.operation.operationId} does not document it for ${res.status}`);
      }
    }
    // A documented header that is sent holds what the document says of it (an ETag's form, Cache-Control's value...).
    for (const name of Object.keys(answer.headers ?? {})) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) continue;
      const pointer = `#/paths/${escape(found.path)}/${found.method}/responses/${res.status}/headers/${escape(name)}/schema`;
      this.validate(pointer, Array.isArray(value) ? value.join(', ') : value, `${where}: header ${name}`);
    }
  }

  private validate(pointer: string, body: unknown, where: string) {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      this.compiled.set(pointer, validate);
    }
    if (!validate(body)) throw new Error(`${where}: the body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
  }
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
/** Root groups under a prefix (the docs page, at `/docs/`) keep loose routing; every other path is served only as the document writes it. */
const LOOSE_PREFIXES = ROUTE_TABLE.filter((g) => g.edge === 'root' && g.prefix).map((g) => g.prefix);
const patternOf = (path: string) => {
  const loose = LOOSE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}${loose ? '/?' : ''}$`);
};

let shared: ContractCheck | undefined;
/** One checker per test process: the document and its compiled schemas are the same for every app. */
export const contractCheck = (): ContractCheck => (shared ??= new ContractCheck());

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** A supertest agent whose every request checks its answer against the document. */
export const checkedAgent = <T extends object>(agent: T): T =>
  new Proxy(agent, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || !METHODS.includes(property) || typeof value !== 'function') return value;
      return (url: string, ...rest: unknown[]) => {
        const test = (value as (...args: unknown[]) => supertest.Test).call(target, url, ...rest);
        return test.expect((res: supertest.Response) => contractCheck().check(property, test.url, res));
      };
    },
  });

/**
 * fetch() for the tests that talk to a server process, its answer checked against the
 * document like a supertest agent's (the body is read from a clone: the caller reads its own).
 */
export const checkedFetch = async (url: string, init: RequestInit = {}): Promise<globalThis.Response> => {
  const res = await fetch(url, init);
  const text = await res.clone().text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  const answer: Answer = { status: res.status, body: json ? (JSON.parse(text) as unknown) : text, headers: Object.fromEntries(res.headers) };
  contractCheck().check(init.method ?? 'GET', new URL(url).pathname + new URL(url).search, answer);
  return res;
};
