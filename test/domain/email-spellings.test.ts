import { expect } from 'chai';
import { emailKey, emailSpellings } from '../../src/domain/customer/email-spellings.js';

describe('Email spellings', () => {
  it('keys an internationalised domain by its ASCII form, whichever way it was written', () => {
    expect(emailKey('zoë@bücher.example')).to.equal('zoë@xn--bcher-kva.example');
    expect(emailKey('zoë@xn--bcher-kva.example')).to.equal('zoë@xn--bcher-kva.example');
    expect(emailKey('ivan@пример.рф')).to.equal('ivan@xn--e1afmkfd.xn--p1ai');
  });

  it('leaves an ASCII address, the local part and an address IDNA refuses as they are', () => {
    expect(emailKey('eve@example.com')).to.equal('eve@example.com');
    expect(emailKey('zoe+shop@example.com')).to.equal('zoe+shop@example.com');
    expect(emailKey('ZOË@example.com')).to.equal('ZOË@example.com');
    expect(emailKey('no-at-sign')).to.equal('no-at-sign');
    expect(emailKey('a@bad..domain')).to.equal('a@bad..domain');
  });

  it('lists the address as given first, then its key, then its Unicode form, each once', () => {
    expect(emailSpellings('zoë@bücher.example')).to.deep.equal(['zoë@bücher.example', 'zoë@xn--bcher-kva.example']);
    expect(emailSpellings('zoë@xn--bcher-kva.example')).to.deep.equal(['zoë@xn--bcher-kva.example', 'zoë@bücher.example']);
    expect(emailSpellings('eve@example.com')).to.deep.equal(['eve@example.com']);
  });
});
