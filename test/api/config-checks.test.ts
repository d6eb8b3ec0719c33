import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAdminAccount } from '../../src/api/admin-account.js';
import { carrierWebhookSecret, jwtSecret } from '../../src/api/lifecycle.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { tempDir } from '../support/temp-dir.js';

/** Every setting refused names its variable (ConfigError, one line at start), and none is read as something else. */
describe('the configuration', () => {
  describe('refuses', () => {
    for (const [name, value] of [
      ['HOST', 'not a host'],
      ['HOST', '999.1.1.1'],
      ['HOST', 'shop_host'],
      ['CURRENCY', 'dollars'],
      ['CURRENCY', 'XYZ'],
      ['CURRENCY', 'usd'],
      ['LOG_LEVEL', 'loud'],
      ['LOG_LEVEL', 'INFO'],
      ['EVENTSTORE_URL', 'garbage'],
      ['EVENTSTORE_URL', 'http://localhost:2113'],
      ['EVENTSTORE_URL', 'esdb://'],
      ['MONGODB_URL', 'garbage'],
      ['MONGODB_URL', 'mongodb://'],
      ['MONGODB_URL', 'postgres://localhost/shop'],
      ['SEED_DEMO', 'no'],
      ['SEED_DEMO', 'False'],
      ['SEED_DEMO', '0'],
      ['JWT_SECRET', 'short'],
      ['JWT_SECRET', 'x'.repeat(31)],
      ['JWT_SECRET', ' '.repeat(32)],
      ['JWT_SECRET', `  ${'x'.repeat(20)}            `],
      ['SMTP_URL', 'notaurl'],
      ['SMTP_URL', 'http://example.com'],
      ['SMTP_URL', 'smtp://'],
      ['PUBLIC_URL', 'shop.example.com'],
      ['PUBLIC_URL', 'ftp://shop.example.com'],
      ['PUBLIC_URL', 'https://shop.example.com/?ref=mail'],
      ['PUBLIC_URL', 'https://user:pw@shop.example.com'],
      ['LOGIN_ACCOUNT_MAX_FAILURES', '0'],
      ['PASSWORD_HASHES_IN_FLIGHT', '-1'],
      ['PASSWORD_HASHES_IN_FLIGHT', '1025'],
      ['MAIL_FROM', 'not an address'],
      ['MAIL_FROM', 'Shop <not an address>'],
      ['MAIL_FROM', 'Shop <a@b> trailing'],
      ['MAIL_FROM', '<no-reply@shop.local>'],
    ] as const) {
      it(`${name}=${value}, naming it`, () => expect(() => loadConfig({ [name]: value })).to.throw(ConfigError, name));
    }
  });

  describe('takes', () => {
    it('the defaults when unset or blank', () => {
      for (const env of [{}, { HOST: '', CURRENCY: '', LOG_LEVEL: '', SEED_DEMO: '', MAIL_FROM: '', JWT_SECRET: '', SMTP_URL: '', EVENTSTORE_URL: '', MONGODB_URL: '' }]) {
        expect(loadConfig(env)).to.deep.include({
          host: '0.0.0.0', currency: 'USD', logLevel: 'info', seedDemo: true, mailFrom: 'Shop <no-reply@shop.local>',
          jwtSecret: undefined, smtpUrl: undefined, eventStoreUrl: undefined, mongodbUrl: undefined, passwordHashesInFlight: 2,
        });
      }
    });

    it('addresses and host names for HOST', () => {
      for (const host of ['127.0.0.1', '::', '::1', 'localhost', 'shop-1.internal.example']) expect(loadConfig({ HOST: host }).host).to.equal(host);
    });

    it('ISO 4217 codes for CURRENCY, and every pino level for LOG_LEVEL', () => {
      for (const currency of ['EUR', 'GBP', 'JPY', 'CHF']) expect(loadConfig({ CURRENCY: currency }).currency).to.equal(currency);
      for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(loadConfig({ LOG_LEVEL: level }).logLevel).to.equal(level);
    });

    it('http(s) URLs for PUBLIC_URL (a path kept, a trailing slash not), and http://localhost:PORT unset', () => {
      expect(loadConfig({ PORT: '8080' }).publicUrl).to.equal('http://localhost:8080');
      expect(loadConfig({ PUBLIC_URL: 'https://shop.example.com/' }).publicUrl).to.equal('https://shop.example.com');
      expect(loadConfig({ PUBLIC_URL: 'https://example.com/shop/' }).publicUrl).to.equal('https://example.com/shop');
      expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' }).publicUrl).to.equal('http://127.0.0.1:3000');
    });

    it('true and false for SEED_DEMO', () => {
      expect(loadConfig({ SEED_DEMO: 'true' }).seedDemo).to.equal(true);
      expect(loadConfig({ SEED_DEMO: 'false' }).seedDemo).to.equal(false);
    });

    it("the clients' connection strings, clusters and credentials included", () => {
      for (const url of ['esdb://localhost:2113?tls=false', 'esdb://a:2113,b:2113,c:2113?tls=false&keepAliveTimeout=10000', 'esdb+discover://admin:changeit@cluster.example:2113', 'esdb://[::1]:2113']) {
        expect(loadConfig({ EVENTSTORE_URL: url }).eventStoreUrl).to.equal(url);
      }
      for (const url of ['mongodb://localhost:27017/shop?replicaSet=rs0', 'mongodb://mongo/shop', 'mongodb://u:p%40ss@a:27017,b:27017/shop?replicaSet=rs0', 'mongodb+srv://user:pw@cluster0.example.net/shop?retryWrites=true']) {
        expect(loadConfig({ MONGODB_URL: url }).mongodbUrl).to.equal(url);
      }
    });

    it('smtp:// and smtps:// for SMTP_URL, an address or Name <address> for MAIL_FROM', () => {
      for (const url of ['smtp://user:pass@mail.example.com:587', 'smtps://mail.example.com', 'smtp://127.0.0.1:2525?greetingTimeout=30000']) expect(loadConfig({ SMTP_URL: url }).smtpUrl).to.equal(url);
      for (const from of ['no-reply@shop.example', 'Shop <no-reply@shop.local>', 'The Shop, Inc. <orders+mail@shop.example>']) expect(loadConfig({ MAIL_FROM: from }).mailFrom).to.equal(from);
    });

    it('a JWT_SECRET of 32 characters or more', () => expect(loadConfig({ JWT_SECRET: 's'.repeat(32) }).jwtSecret).to.equal('s'.repeat(32)));
  });

  describe('the admin account', () => {
    it('is checked by the rules of registration, naming the variable', async () => {
      const refused = async (adminEmail: string | undefined, adminPassword: string | undefined) => checkAdminAccount({ adminEmail, adminPassword }).then(() => undefined, (error: unknown) => error);
      expect(await refused('notanemail', 'a long secret pass')).to.be.instanceOf(ConfigError).with.property('message').that.matches(/^ADMIN_EMAIL must be an email address/);
      expect(await refused('admin@shop.local', 'short')).to.be.instanceOf(ConfigError).with.property('message').that.matches(/^ADMIN_PASSWORD must be at least 8 characters/);
      expect(await refused('admin@shop.local', undefined)).to.be.instanceOf(ConfigError).with.property('message').that.includes('ADMIN_PASSWORD');
      expect(await refused('admin@shop.local', 'ops-password')).to.equal(undefined);
      expect(await refused(undefined, undefined)).to.equal(undefined);
    });
  });

  describe('a signing secret kept in DATA_DIR', () => {
    for (const [file, read, minimum] of [['jwt-secret', jwtSecret, 32], ['carrier-webhook-secret', carrierWebhookSecret, 16]] as const) {
      it(`is refused from ${file} when shorter than ${minimum} characters, naming the file`, () => {
        const dir = tempDir();
        try {
          writeFileSync(join(dir.path, file), 'x'.repeat(minimum - 1), { mode: 0o600 });
          const config = loadConfig({ DATA_DIR: dir.path });
          expect(() => read(config)).to.throw(ConfigError, join(dir.path, file));
          writeFileSync(join(dir.path, file), 'x'.repeat(minimum), { mode: 0o600 });
          expect(read(config)).to.equal('x'.repeat(minimum));
        } finally {
          dir.remove();
        }
      });
    }
  });
});
