import { expect } from 'chai';
import { ResetLinks } from '../../src/infrastructure/security/reset-links.js';

describe('Password reset links', () => {
  const links = new ResetLinks('x'.repeat(32), 'https://shop.example.com/');
  const request = { customerId: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', requestId: '0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b' };

  it('opens the storefront page with a token it reads back', () => {
    const link = links.linkOf(request);
    expect(link).to.match(/^https:\/\/shop\.example\.com\/reset-password\?token=[0-9a-f-]{36}\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(links.read(new URL(link).searchParams.get('token')!)).to.deep.equal(request);
  });

  it("reads nothing from a token another key made, or one altered, cut or extended", () => {
    const token = links.tokenOf(request);
    const [customerId, requestId, mac] = token.split('.') as [string, string, string];
    const other = new ResetLinks('y'.repeat(32), 'https://shop.example.com').tokenOf(request);
    const otherCustomer = `${'6'}${customerId.slice(1)}`;
    for (const bad of [other, `${otherCustomer}.${requestId}.${mac}`, `${customerId}.${requestId}.${mac.slice(1)}`, `${token}.x`, `${customerId}.${requestId}`, '', 'a.b.c', `${customerId.toUpperCase()}.${requestId}.${mac}`]) {
      expect(links.read(bad), bad).to.equal(undefined);
    }
  });
});
