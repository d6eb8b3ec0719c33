import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { carrierWebhookSecret } from '../../src/api/lifecycle.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { tempDir } from '../support/temp-dir.js';

describe("the carrier's configuration", () => {
  it('has defaults of a few seconds for the simulated reports and the wait at dispatch', () =>
    expect(loadConfig({})).to.deep.include({ carrierWebhookSecret: undefined, carrierTransitMs: 3000, carrierDeliveryMs: 5000, carrierTimeoutMs: 5000 }));

  it('reads CARRIER_WEBHOOK_SECRET, CARRIER_TRANSIT_MS, CARRIER_DELIVERY_MS and CARRIER_TIMEOUT_MS', () =>
    expect(loadConfig({ CARRIER_WEBHOOK_SECRET: 's'.repeat(32), CARRIER_TRANSIT_MS: '10', CARRIER_DELIVERY_MS: '0', CARRIER_TIMEOUT_MS: '250' })).to.deep.include({
      carrierWebhookSecret: 's'.repeat(32), carrierTransitMs: 10, carrierDeliveryMs: 0, carrierTimeoutMs: 250,
    }));

  for (const [name, value] of [['CARRIER_WEBHOOK_SECRET', 'short'], ['CARRIER_TRANSIT_MS', '-1'], ['CARRIER_DELIVERY_MS', '1.5'], ['CARRIER_TIMEOUT_MS', '0']] as const) {
    it(`refuses ${name}=${value}`, () => expect(() => loadConfig({ [name]: value })).to.throw(ConfigError, name));
  }

  describe('the webhook secret', () => {
    it('is generated once on the embedded default and kept in DATA_DIR, private to its owner', () => {
      const dir = tempDir();
      try {
        const config = loadConfig({ DATA_DIR: dir.path });
        const first = carrierWebhookSecret(config);
        expect(first).to.match(/^[0-9a-f]{64}$/);
        expect(carrierWebhookSecret(config)).to.equal(first);
        expect(readFileSync(join(dir.path, 'carrier-webhook-secret'), 'utf8')).to.equal(first);
      } finally {
        dir.remove();
      }
    });

    it('is the configured one when set', () =>
      expect(carrierWebhookSecret(loadConfig({ CARRIER_WEBHOOK_SECRET: 'x'.repeat(20), MONGODB_URL: 'mongodb://mongo/shop' }))).to.equal('x'.repeat(20)));

    for (const production of [{ MONGODB_URL: 'mongodb://mongo/shop' }, { EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false' }]) {
      it(`must be set in production (${Object.keys(production)[0]} set)`, () =>
        expect(() => carrierWebhookSecret(loadConfig(production))).to.throw(ConfigError, 'CARRIER_WEBHOOK_SECRET'));
    }
  });
});
