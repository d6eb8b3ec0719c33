import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { appendsNothing, startTestApp, type TestApp } from '../support/test-app.js';

const preflight = (app: TestApp, path: string, origin: string) =>
  app
    .http()
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');

describe('HTTP cross-origin requests (CORS)', () => {
  describe('with CORS_ORIGINS set', () => {
    let app: TestApp;
    before(async () => (app = await startTestApp({ corsOrigins: ['https://shop.example.com'] })));
    after(async () => app.close());

    it('answers a preflight of a protected route before authentication (204), allowing the origin and its headers', async () => {
      const res = await appendsNothing(app, () => preflight(app, '/api/v1/cart/items', 'https://shop.example.com'));
      expect(res.status).to.equal(204);
      expect(res.headers['access-control-allow-origin']).to.equal('https://shop.example.com');
      expect(res.headers['access-control-allow-methods']).to.include('POST');
      expect(res.headers['access-control-allow-headers']).to.match(/Authorization/).and.match(/Idempotency-Key/);
      expect(res.headers['vary']).to.match(/Origin/);
    });

    it('lets the page read the answer and its headers (ETag, Location, X-Position, X-Request-Id)', async () => {
      const res = await app.http().get('/api/v1/products').set('Origin', 'https://shop.example.com');
      expect(res.status).to.equal(200);
      expect(res.headers['access-control-allow-origin']).to.equal('https://shop.example.com');
      expect(res.headers['access-control-expose-headers']).to.match(/ETag/).and.match(/X-Position/).and.match(/Location/);
    });

    it('gives another origin nothing to read: no Access-Control-Allow-Origin', async () => {
      const pre = await preflight(app, '/api/v1/cart/items', 'https://evil.example.net');
      expect(pre.status).to.equal(204);
      expect(pre.headers['access-control-allow-origin']).to.equal(undefined);
      const res = await app.http().get('/api/v1/products').set('Origin', 'https://evil.example.net');
      expect(res.headers['access-control-allow-origin']).to.equal(undefined);
    });
  });

  describe('by default (no CORS_ORIGINS)', () => {
    let app: TestApp;
    before(async () => (app = await startTestApp()));
    after(async () => app.close());

    it('still answers a preflight (204, not 401) but allows no origin', async () => {
      const res = await preflight(app, '/api/v1/orders', 'https://shop.example.com');
      expect(res.status).to.equal(204);
      expect(res.headers['access-control-allow-origin']).to.equal(undefined);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('is a comma-separated list of origins, or *', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://localhost:5173' }).corsOrigins).to.deep.equal([
        'https://a.example.com',
        'http://localhost:5173',
      ]);
      expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).to.deep.equal(['*']);
      expect(loadConfig({}).corsOrigins).to.deep.equal([]);
    });

    it('lists each origin as a browser sends it (host in lower case, no default port), else no page would ever match', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://Shop.Example.com,https://admin.example.com:443,http://localhost:80,http://localhost:5173' }).corsOrigins).to.deep.equal([
        'https://shop.example.com',
        'https://admin.example.com',
        'http://localhost',
        'http://localhost:5173',
      ]);
    });

    it('refuses what is not an origin (a path, a missing scheme)', () => {
      expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example.com/shop' })).to.throw(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: 'a.example.com' })).to.throw(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example.com:99999' })).to.throw(ConfigError);
    });
  });
});

describe('TRUST_PROXY', () => {
  it('trusts no proxy unless told, the one in front for true, n of them, or the addresses listed', () => {
    expect(loadConfig({}).trustProxy).to.equal(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).to.equal(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).to.equal(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).to.equal(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,2001:db8::1' }).trustProxy).to.deep.equal(['10.0.0.0/8', 'loopback', '2001:db8::1']);
  });

  for (const value of ['yes', 'TRUE', '10.0.0.0/33', 'gateway', '10.0.0.1,', '1.2.3']) {
    it(`refuses TRUST_PROXY=${value} rather than trusting nothing, or everything`, () => expect(() => loadConfig({ TRUST_PROXY: value })).to.throw(ConfigError, 'TRUST_PROXY'));
  }
});
