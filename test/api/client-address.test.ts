import { expect } from 'chai';
import { addressKey } from '../../src/api/client-address.js';

/** One key per client, however a proxy or the socket writes its address (a probe multiplied the per-address limits by the forms). */
describe('the key a client is counted under', () => {
  it('takes an IPv4 address as it is, without a port, and its IPv6-mapped form as the same', () => {
    for (const form of ['192.0.2.1', '::ffff:192.0.2.1', '::FFFF:192.0.2.1', '192.0.2.1:1234', ' 192.0.2.1 ']) expect(addressKey(form), form).to.equal('192.0.2.1');
  });

  it('takes an IPv6 address as its /64, however it is written', () => {
    for (const form of ['2001:db8:0:1::1', '2001:db8:0:1:ffff:ffff:ffff:ffff', '2001:0db8:0000:0001::42', '[2001:db8:0:1::1]:443', '2001:DB8:0:1::9%eth0']) {
      expect(addressKey(form), form).to.equal('2001:db8:0:1::/64');
    }
    expect(addressKey('2001:db8:0:2::1')).to.not.equal(addressKey('2001:db8:0:1::1'));
    expect(addressKey('::1')).to.equal('0:0:0:0::/64');
  });
});
