import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import type supertest from 'supertest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAsOf } from '../../src/operations/audit.js';
import { contractCheck } from '../support/contract.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { registeredRoutes } from './input/route-table.js';

type Operation = { operationId: string; tags: string[]; summary: string; 'x-role': string; security: unknown[]; responses: Record<string, { content?: Record<string, { example?: unknown }> }>; requestBody?: { content: Record<string, { example?: unknown }> } };

describe('The API contract (OpenAPI 3.1)', () => {
  let app: TestApp;
  let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, any> } };

  before(async () => {
    app = await startTestApp();
    const res = await app.http().get('/openapi.json');
    expect(res.status).to.equal(200);
    document = res.body;
  });
  after(async () => app.close());

  const operations = () => Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(document.openapi).to.match(/^3\.1\./);
  });

  it('describes every route the app registers, and no route it does not', () => {
    // `/docs/` and `/docs` are two operations of one route (the page, and its redirect without the slash).
    const described = operations().map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1').replace(/(.)\/$/, '$1')}`);
    expect(described.filter((route) => route === 'GET /docs'), 'the page and its redirect').to.have.length(2);
    expect([...new Set(registeredRoutes(app.app))].sort()).to.deep.equal([...new Set(described)].sort());
  });

  it('gives every operation an id, a tag, a summary, a role, its security and an example of its success', () => {
    for (const { method, path, op } of operations()) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).to.be.a('string');
      expect(op.tags, where).to.have.length(1);
      expect(op.summary, where).to.be.a('string').and.not.equal('');
      expect(['anonymous', 'customer', 'admin'], where).to.include(op['x-role']);
      if (path.startsWith('/api/v1') && op['x-role'] !== 'anonymous') expect(op.security, where).to.deep.equal([{ bearer: [] }]);
      if (path.startsWith('/api/v1')) expect(Object.keys(op.responses), where).to.include.members(['400', '401', '429', '500']);
      if (op['x-role'] === 'admin') expect(Object.keys(op.responses), where).to.include('403');
      // A stream of events (text/event-stream) has its example in its own type.
      const json = Object.values(op.responses).flatMap((r) => Object.entries(r.content ?? {})).filter(([type]) => type === 'application/json' || type === 'text/event-stream');
      if (path.startsWith('/api/v1')) expect(json.some(([, c]) => c.example !== undefined), `${where} has an example answer`).to.equal(true);
      if (op.requestBody) expect(Object.values(op.requestBody.content)[0]!.example, `${where} has an example body`).to.not.equal(undefined);
    }
  });

  it('takes the request schemas from the DTOs: closed, required fields, nested DTOs referenced, defaults documented', () => {
    const { CheckoutBody, AddressBody, ListProductsQuery } = document.components.schemas;
    expect(CheckoutBody.additionalProperties).to.equal(false);
    expect(CheckoutBody.required).to.have.members(['shippingAddress', 'paymentMethod']);
    expect(CheckoutBody.properties.shippingAddress.$ref).to.equal('#/components/schemas/AddressBody');
    expect(AddressBody.properties.line1.maxLength).to.equal(200);
    expect(ListProductsQuery.properties.page).to.include({ type: 'integer', minimum: 1, default: 1 });
    expect(ListProductsQuery.required ?? []).to.not.include('page');
  });

  it('checks answers: an undocumented status, a missing or extra field, a wrong type all fail', () => {
    const check = (status: number, body: unknown) => () =>
      contractCheck().check('GET', '/api/v1/payments/4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a', { status, body, headers: { 'content-type': 'application/json' } } as unknown as supertest.Response);
    const payment = { paymentId: '4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a', orderId: '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b', status: 'Captured', amount: { amount: 100, currency: 'USD' }, refunded: false, failureReason: null, refundReason: null };
    expect(check(200, payment)).to.not.throw();
    expect(check(418, payment)).to.throw(/not documented/);
    const { refunded: _gone, ...missing } = payment;
    expect(check(200, missing)).to.throw(/refunded/);
    expect(check(200, { ...payment, secret: 1 })).to.throw(/additional/);
    expect(check(200, { ...payment, amount: { amount: '100', currency: 'USD' } })).to.throw(/integer/);
  });

  it('says what the server checks beyond types: text rules, country codes, the shop currency, as-of forms, cross-field rules', () => {
    const { AddressBody, MoneyBody, CreateProductBody, ListProductsQuery, AuditOrderQuery, RecommendationsQuery, ListOrdersQuery, ListSubscriptionsQuery } = document.components.schemas;
    expect((document as unknown as Record<string, unknown>)['x-text-rules']).to.have.keys('noControlCharacters', 'noControlCharactersButLines', 'noBidiControls', 'wellFormedUnicode', 'notBlank');
    expect(CreateProductBody.properties.name['x-text-rules']).to.include({ noControlCharacters: true, notBlank: true });
    expect(CreateProductBody.properties.description['x-text-rules']).to.include({ noControlCharactersButLines: true });
    expect(AddressBody.properties.country.enum).to.include.members(['US', 'DE', 'JP']).and.not.include('XX');
    expect(MoneyBody.properties.currency.enum, 'the currency this shop sells in').to.deep.equal(['USD']);
    // As-of: the document's pattern is what the server reads, no more, no less (JSON Schema's date-time format also takes `t`, `z`, a space).
    const asOf = new Ajv2020({ strict: false }).compile(AuditOrderQuery.properties.asOf);
    const forms = [
      '12', '2026-01-02', '2026-01-02T03:04', '2026-01-02T03:04:05', '2026-01-02T03:04:05.123Z', '2026-01-02T03:04:05+02:00', '2024-02-29', '2000-02-29T00:00Z',
      '2026-01-02t03:04:05z', '2026-01-02 03:04:05Z', '2016-12-31T23:59:60Z', '2026-02-30', '2023-02-29', '1900-02-29', '2026-04-31', '2026-01-02T24:00', '2026-01-02T03:04+24:00', 'yesterday', '-1', '2026-1-2',
    ];
    for (const form of forms) expect(asOf(form), form).to.equal(readsAsOf(form));
    expect(forms.filter(readsAsOf)).to.have.length(8);
    expect(ListProductsQuery.properties.minPrice['x-at-most']).to.equal('maxPrice');
    expect(RecommendationsQuery.properties.productId['x-required-unless-signed-in']).to.equal(true);
    expect(ListOrdersQuery.properties.customerId['x-admin-only']).to.equal(true);
    expect(ListSubscriptionsQuery.properties.customerId['x-admin-only']).to.equal(true);
  });

  it('lists If-Match, ETag and X-Position only on writes that run a command', () => {
    const write = (path: string) => document.paths[path]!.post as unknown as { parameters: { name: string }[]; responses: Record<string, { headers?: object }> };
    for (const path of ['/api/v1/account/login', '/api/v1/admin/projections/{name}/rebuild', '/api/v1/admin/parked-jobs/{id}/replay']) {
      expect(write(path).parameters.map((p) => p.name), path).not.to.include('If-Match');
      for (const answer of Object.values(write(path).responses)) expect(answer.headers ?? {}, path).not.to.have.any.keys('ETag', 'X-Position');
    }
    expect(write('/api/v1/cart/items').parameters.map((p) => p.name)).to.include('If-Match');
    expect(write('/api/v1/cart/items').responses['200']!.headers).to.include.keys('ETag', 'X-Position', 'Idempotent-Replayed');
  });

  it("describes the ETag of a read made before any write (the cart, the saved payment methods) as there once written, not required; the check takes it absent", () => {
    type Header = { description: string; required?: boolean };
    const etagOf = (path: string) => (document.paths[path]!.get as unknown as { responses: Record<string, { headers: Record<string, Header> }> }).responses['200']!.headers.ETag!;
    for (const path of ['/api/v1/cart', '/api/v1/account/me/payment-methods']) {
      expect(etagOf(path).required, path).to.equal(false);
      expect(etagOf(path).description, path).to.match(/present once the resource has had a write; none before/);
    }
    // A read of a resource that exists only once written keeps the plain description.
    expect(etagOf('/api/v1/subscriptions/{id}')).to.deep.include({ description: 'The revision of the resource, for If-Match.' }).and.not.have.property('required');
    const cart = { cartId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', items: [], total: { amount: 0, currency: 'USD' } };
    const answer = (headers: Record<string, string>) => () =>
      contractCheck().check('GET', '/api/v1/cart', { status: 200, body: cart, headers: { 'content-type': 'application/json', ...headers } });
    expect(answer({})).to.not.throw();
    expect(answer({ etag: '"0"' })).to.not.throw();
    expect(answer({ etag: 'W/"x"' })).to.throw(/ETag/);
  });

  it('lists no If-Match, 412 or ETag on notify-me: it refuses If-Match (400), its stream has no revision a client knows', async () => {
    const notifyMe = document.paths['/api/v1/products/{id}/notify-me']!.post as unknown as { parameters: { name: string }[]; responses: Record<string, { headers?: object }> };
    expect(notifyMe.parameters.map((p) => p.name)).to.include('Idempotency-Key').and.not.include('If-Match');
    expect(notifyMe.responses).to.not.have.property('412');
    expect(notifyMe.responses['202']!.headers).to.include.keys('X-Position').and.not.have.property('ETag');
  });

  describe('/docs', () => {
    it('redirects /docs to /docs/, a page whose scripts and styles the app itself serves', async () => {
      // Each its own operation of the document (app.http() checks each answer against the one its path names).
      expect(Object.keys(document.paths['/docs']!), 'the redirect').to.deep.equal(['get']);
      expect(Object.keys(document.paths['/docs/']!.get!.responses), 'the page').to.include('200').and.not.include('301');
      expect(Object.keys(document.paths['/docs']!.get!.responses)).to.include('301').and.not.include('200');
      const redirect = await app.http().get('/docs');
      expect(redirect.status).to.equal(301);
      expect(redirect.headers.location).to.equal('/docs/');
      const page = await app.http().get('/docs/');
      expect(page.status).to.equal(200);
      expect(page.headers['content-type']).to.match(/^text\/html/);
      const assets = [...page.text.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1]!).filter((url) => !url.startsWith('#') && !url.startsWith('data:'));
      expect(assets.filter((url) => /^(https?:)?\/\//.test(url)), 'nothing from elsewhere').to.deep.equal([]);
      expect(assets).to.include.members(['./swagger-ui.css', './swagger-ui-bundle.js', './swagger-ui-init.js']);
      for (const asset of assets) expect((await app.http().get(`/docs/${asset.replace(/^\.\//, '')}`)).status, asset).to.equal(200);
    });

    it("answers an asset with the validators the document lists, 304 while unchanged, the whole file to a Range", async () => {
      const documented = document.paths['/docs/{asset}']!.get!.responses as Record<string, { headers?: Record<string, { schema: { pattern?: string; enum?: string[] } }> }>;
      const { ETag, 'Cache-Control': cacheControl } = documented['200']!.headers!;
      const first = await app.http().get('/docs/swagger-ui.css');
      expect(first.status).to.equal(200);
      expect(first.headers.etag).to.match(new RegExp(ETag!.schema.pattern!));
      expect(cacheControl!.schema.enum).to.include(first.headers['cache-control']);
      // Each answer below is checked against the document by app.http(): 304 must be one of the asset's answers.
      const unchanged = await app.http().get('/docs/swagger-ui.css').set('If-None-Match', first.headers.etag!);
      expect(unchanged.status).to.equal(304);
      expect((await app.http().get('/docs/swagger-ui.css').set('If-Modified-Since', first.headers['last-modified']!)).status).to.equal(304);
      const ranged = await app.http().get('/docs/swagger-ui.css').set('Range', 'bytes=0-9');
      expect(ranged.status).to.equal(200);
      expect(ranged.text).to.equal(first.text);
      expect((await app.http().get('/docs/swagger-ui.css').set('Range', 'bytes=999999999-')).status).to.equal(200);
    });

    it('answers /openapi.json with the ETag and Cache-Control the document lists, 304 while unchanged, and gzip to a client that takes it', async () => {
      const documented = document.paths['/openapi.json']!.get!.responses as Record<string, { headers?: Record<string, { schema: { pattern?: string } }> }>;
      expect(Object.keys(documented)).to.include('304');
      const first = await app.http().get('/openapi.json').set('Accept-Encoding', 'identity');
      expect(first.headers['content-encoding']).to.equal(undefined);
      expect(first.headers.etag).to.match(new RegExp(documented['200']!.headers!.ETag!.schema.pattern!));
      expect(first.headers['cache-control']).to.match(/^public, max-age=\d+$/);
      expect(first.headers.vary).to.match(/Accept-Encoding/);
      // Each answer is checked against the document by app.http(): 304 must be one of its answers.
      expect((await app.http().get('/openapi.json').set('If-None-Match', first.headers.etag!)).status).to.equal(304);
      const zipped = await eventually(async () => {
        const res = await app.http().get('/openapi.json').set('Accept-Encoding', 'gzip');
        return res.headers['content-encoding'] === 'gzip' ? res : undefined;
      });
      expect(zipped.body).to.deep.equal(first.body);
      expect(Number(zipped.headers['content-length'])).to.be.below(Number(first.headers['content-length']) / 5);
    });

    it('points the page at /openapi.json, with the online validator off', async () => {
      const init = await app.http().get('/docs/swagger-ui-init.js');
      expect(init.text).to.include('"swaggerUrl": "/openapi.json"');
      expect(init.text).to.include('"validatorUrl": null');
    });

    it('answers /openapi.json and /docs outside the rate limit of /api/v1', async () => {
      const limited = await startTestApp({ rateLimitPerMinute: 1 });
      try {
        await limited.http().get('/api/v1/products');
        expect((await limited.http().get('/api/v1/products')).status).to.equal(429);
        for (let i = 0; i < 3; i += 1) {
          expect((await limited.http().get('/openapi.json')).status).to.equal(200);
          expect((await limited.http().get('/docs/')).status).to.equal(200);
        }
      } finally {
        await limited.close();
      }
    });
  });
});

/** Whether the server reads this as-of (a revision or a time) or refuses it. */
const readsAsOf = (form: string): boolean => {
  try {
    parseAsOf(form);
    return true;
  } catch {
    return false;
  }
};
