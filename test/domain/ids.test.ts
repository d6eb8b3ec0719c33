import { expect } from 'chai';
import { v5 as uuidv5 } from 'uuid';
import { derivedEventId, derivedId, ID_NAMESPACE } from '../../src/domain/shared/ids.js';

/** The ids as the uuid library makes them from text: what every id in the logs was derived with. */
const fromText = (name: string) => uuidv5(name, ID_NAMESPACE);

describe('derived ids', () => {
  const seeds = ['order-1', 'a3f1c2d4-0000-4000-8000-000000000000', 'café crème', 'Zoë’s 🛒 order', '東京の注文', '', 'x'.repeat(500)];

  it('are the UUID v5 of the name as UTF-8 under the shop namespace, for ASCII and non-ASCII names alike', () => {
    for (const seed of seeds) {
      expect(derivedId(seed, 'purpose')).to.equal(fromText(JSON.stringify(['purpose', seed])));
      expect(derivedEventId(seed, `Order-${seed}`, 3)).to.equal(fromText(JSON.stringify(['event', seed, `Order-${seed}`, 3])));
    }
  });

  it('are version 5, RFC 4122 variant, stable, and differ by purpose, seed and index', () => {
    const id = derivedId('seed', 'cart');
    expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedId('seed', 'cart')).to.equal(id);
    // A value pinned once: ids already in logs must never change.
    expect(id).to.equal('bc12aac4-fcfe-5747-9247-a9b8c3bcbb11');
    const others = [derivedId('seed', 'order'), derivedId('seed2', 'cart'), derivedEventId('k', 's', 0), derivedEventId('k', 's', 1), derivedEventId('k', 't', 0)];
    expect(new Set([id, ...others]).size).to.equal(6);
  });
});
