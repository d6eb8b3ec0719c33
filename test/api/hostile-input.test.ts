import { expect } from 'chai';
import type supertest from 'supertest';
import { signedHeaders } from '../../src/infrastructure/carrier/webhook-signature.js';
import { appendsNothing, CARRIER_SECRET, createProduct, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { fieldPaths, registeredRoutes, ROUTES, withField, type Caller, type Ids, type RouteCase } from './input/route-table.js';

/**
 * Every route, driven with what an attacker sends: a body nested 10,000 deep, each field
 * set to a control character and to blank, and a fuzz of values no field accepts. Each
 * answers 400 problem+json naming the field, appends nothing and leaves the log head where
 * it was; the caller holds the token the route needs, so that the validation (not the
 * authentication) is what answers.
 */

const DEEP = 10_000;
const CONTROL = 'ok\u0000ok';
const BLANK = '   ';
/** Blank to the eye: zero-width space, Hangul filler, soft hyphen. */
const INVISIBLE = '\u200b\u3164\u00ad';
/** Values that no body field accepts (bidirectional marks aside, no password). */
const BODY_FUZZ: unknown[] = [null, true, 1.5, [], {}, [['x']], 'x'.repeat(10_001), '\ud800', '\u0085', '\u007f', '\u001b[31m'];
const BIDI_FUZZ = ['\u202e', '\u2066', '\u200f'];
/** Query values that no number field accepts, then none that a text field accepts. */
const NUMBER_FUZZ = ['0x10', '1e3', ' 16', '+16', '16.0', 'NaN', 'Infinity', '\u0661\u0666', '99999999999999999999999'];
const TEXT_FUZZ = ['\u202e', '\u200f', '\u0085', '\u007f', 'a\u2028b', 'x'.repeat(10_001)];

describe('Hostile input on every route', () => {
  let app: TestApp;
  let ids: Ids;
  const tokens: Partial<Record<Caller, string>> = {};

  before(async () => {
    app = await startTestApp();
    tokens.admin = await app.adminToken();
    tokens.customer = (await app.customer()).token;
    const product = await createProduct(app, tokens.admin);
    ids = { ...product, unknownId: '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b' };
    await app.settled();
  });
  after(async () => app.close());

  const request = (c: RouteCase, options: { body?: string; query?: string } = {}) => {
    const [method] = c.route.split(' ');
    const url = c.url(ids) + (options.query ? `?${options.query}` : '');
    let req = app.http()[method!.toLowerCase() as 'get'](url);
    if (c.as !== 'anyone') req = req.set('Authorization', `Bearer ${tokens[c.as]}`);
    if (c.signed) req = req.set(signedHeaders(CARRIER_SECRET, options.body ?? '', new Date()));
    return options.body === undefined ? req : req.set('Content-Type', 'application/json').send(options.body);
  };

  /** A 400 problem naming `field` (or a value inside it), that appended nothing. */
  const refused = async (act: () => Promise<supertest.Response>, field: string) => {
    const res = await appendsNothing(app, act);
    expectProblem(res, 400);
    const named = (res.body.errors as { field: string }[]).some((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`));
    expect(named, `errors name ${field}: ${JSON.stringify(res.body.errors)}`).to.equal(true);
  };

  /** Runs the cases of one route and checks that the log head did not move. */
  const headStays = async (cases: () => Promise<void>) => {
    const before = await app.head();
    await cases();
    expect(await app.head(), 'the log head moved').to.equal(before);
  };

  it('has a case for every route the app registers, and none for a route it does not', () => {
    expect([...ROUTES.map((c) => c.route)].sort()).to.deep.equal(registeredRoutes(app.app).sort());
  });

  for (const c of ROUTES) {
    describe(c.route, () => {
      if (c.readsNoBody) {
        it('reads no body: one nested 10,000 deep changes nothing', async () => {
          const plain = await request(c);
          expect((await request(c, { body: '['.repeat(DEEP) + ']'.repeat(DEEP) })).status).to.equal(plain.status);
        });
        return;
      }

      it('answers a body nested 10,000 deep with 400 naming where', () =>
        headStays(async () => {
          const field = Object.keys(c.body?.(ids) ?? { x: 1 })[0]!;
          await refused(() => request(c, { body: `{"${field}":${'['.repeat(DEEP)}"x"${']'.repeat(DEEP)}}` }), field);
          await refused(() => request(c, { body: '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP) }), 'a');
          await refused(() => request(c, { body: '['.repeat(DEEP) + ']'.repeat(DEEP) }), 'body');
        }));

      if (!c.route.startsWith('GET ')) {
        it('refuses a query string, which no write reads (?dryRun=true must not run the write), appending nothing', () =>
          headStays(async () => {
            const body = c.body ? JSON.stringify(c.body(ids)) : undefined;
            await refused(() => request(c, { query: 'dryRun=true', ...(body === undefined ? {} : { body }) }), 'dryRun');
          }));
      }

      const body = c.body;
      if (body) {
        it('answers each body field set to a control character, to blank, or to a value no field takes, with 400 naming it', () =>
          headStays(async () => {
            for (const path of fieldPaths(body(ids))) {
              const spoiled = (value: unknown) => () => request(c, { body: JSON.stringify(withField(body(ids), path, value)) });
              await refused(spoiled(CONTROL), path);
              if (!c.blankAllowed?.includes(path)) await refused(spoiled(BLANK), path);
              if (!c.blankAllowed?.includes(path)) await refused(spoiled(INVISIBLE), path);
              for (const value of BODY_FUZZ) await refused(spoiled(value), path);
              if (!c.opaque?.includes(path)) for (const value of BIDI_FUZZ) await refused(spoiled(`a${value}b`), path);
            }
          }));
      }

      const query = c.query;
      if (query) {
        const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
        it('answers each query field set to a control character, given twice, or to a value it does not take, with 400 naming it', () =>
          headStays(async () => {
            for (const key of Object.keys(query(ids))) {
              const spoiled = (value: string) => () => request(c, { query: encode({ ...query(ids), [key]: value }) });
              await refused(spoiled(CONTROL), key);
              await refused(() => request(c, { query: `${encode(query(ids))}&${encode({ [key]: query(ids)[key]! })}` }), key);
              for (const value of c.numbers?.includes(key) ? NUMBER_FUZZ : TEXT_FUZZ) await refused(spoiled(value), key);
            }
          }));

        it('refuses a blank number or required text, and takes a blank optional text as left out', () =>
          headStays(async () => {
            for (const key of Object.keys(query(ids))) {
              const blank = () => request(c, { query: encode({ ...query(ids), [key]: BLANK }) });
              if (c.numbers?.includes(key) || c.required?.includes(key)) {
                await refused(blank, key);
              } else {
                const { [key]: _left, ...rest } = query(ids);
                const without = await request(c, { query: encode(rest) });
                const res = await appendsNothing(app, blank);
                expect(res.status, `${key} blank: ${JSON.stringify(res.body)}`).to.equal(without.status).and.not.equal(400);
              }
            }
          }));
      }
    });
  }
});
