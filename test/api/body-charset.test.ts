import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkedFetch } from '../support/contract.js';
import { createProduct, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * JSON bodies are UTF-8 (RFC 8259 §8.1). Any other charset a Content-Type names is refused with
 * 415; body-parser had decoded UTF-16 and UTF-7 (and answered UTF-32 "not JSON") while it
 * refused `utf8`, the alias many clients send.
 */
describe('The charset of a JSON body', () => {
  let app: TestApp;
  let server: Server;
  let admin: string;
  let sku: string;
  before(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    ({ sku } = await createProduct(app, admin));
    // Over a socket: supertest serialises a Buffer body as JSON, and these bodies are bytes in another charset.
    server = await new Promise<Server>((resolve) => {
      const listening = app.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  const receive = async (charset: string, body: Buffer) => {
    const res = await checkedFetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/inventory/${sku}/receipts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': `application/json; charset=${charset}` },
      body,
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
  };
  const json = JSON.stringify({ quantity: 1 });

  it('refuses UTF-16, UTF-7 and UTF-32 with 415 problem+json even when the body is in that charset, appending nothing', async () => {
    const head = await app.head();
    for (const [charset, bytes] of [
      ['utf-16', Buffer.from(json, 'utf16le')],
      ['UTF-16LE', Buffer.from(json, 'utf16le')],
      ['utf-7', Buffer.from(json, 'utf8')],
      ['utf-32', Buffer.from(json, 'utf8')],
    ] as const) {
      const res = await receive(charset, bytes);
      expect(res.status, `${charset}: ${JSON.stringify(res.body)}`).to.equal(415);
      expect(res.type).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ type: 'urn:shop:problem:unsupported-charset', status: 415 });
    }
    expect(await app.head(), 'a refused body appended events').to.equal(head);
  });

  it('refuses a body whose bytes are not UTF-8 with 400 unreadable-request, appending nothing', async () => {
    const head = await app.head();
    // A lone continuation byte, a truncated sequence, 0xFF, and an overlong '/': each would have been read as U+FFFD.
    for (const bad of [[0x80], [0xc3, 0x28], [0xff], [0xc0, 0xaf]]) {
      const bytes = Buffer.concat([Buffer.from('{"quantity": 1, "reason": "a'), Buffer.from(bad), Buffer.from('"}')]);
      for (const charset of ['utf-8', 'utf8']) {
        const res = await receive(charset, bytes);
        expect(res.status, `${bad.join(',')} as ${charset}: ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.type).to.match(/^application\/problem\+json/);
        expect(res.body).to.include({ type: 'urn:shop:problem:unreadable-request', status: 400 });
      }
    }
    expect(await app.head(), 'a refused body appended events').to.equal(head);
  });

  it('does not let two passwords that differ only in bytes that are not UTF-8 sign in as one', async () => {
    const port = (server.address() as AddressInfo).port;
    const send = (path: string, password: Buffer) =>
      fetch(`http://127.0.0.1:${port}/api/v1/account/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat([Buffer.from(`{"email": "bytes@example.com", ${path === 'register' ? '"name": "B", ' : ''}"password": "long enough `), password, Buffer.from('"}')]),
      });
    expect((await send('register', Buffer.from([0xff]))).status).to.equal(400);
    expect((await send('register', Buffer.from('\u00ff', 'utf8'))).status).to.equal(201);
    expect((await send('login', Buffer.from([0xfe]))).status).to.equal(400);
    expect((await send('login', Buffer.from('\u00ff', 'utf8'))).status).to.equal(200);
  });

  it('takes utf-8 in any case, quoted, and its alias utf8', async () => {
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"', 'utf8', 'UTF8']) {
      const res = await receive(charset, Buffer.from(json, 'utf8'));
      expect(res.status, `${charset}: ${JSON.stringify(res.body)}`).to.equal(200);
    }
  });
});
