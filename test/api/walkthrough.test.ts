import { expect } from 'chai';
import type supertest from 'supertest';
import { contractCheck } from '../support/contract.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The README's walkthrough ("API reference"), step by step as its curl commands run it,
 * against the real server on an empty DATA_DIR (the demo catalog): each answer is the one
 * the README shows and the one the OpenAPI document describes.
 */
describe('The README walkthrough: register, sign in, fill the cart, check out, watch the order', function () {
  this.timeout(60_000);
  const dir = tempDir();
  let server: ServerProcess | undefined;
  after(async () => {
    await killServer(server);
    dir.remove();
  });

  /** `curl -s -X <method> $SHOP<path> -H 'content-type: application/json' [-H "authorization: Bearer $TOKEN"] [-d '<body>']` */
  const curl = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${server!.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    const answer = { status: res.status, headers: Object.fromEntries(res.headers), body: text ? JSON.parse(text) : {} };
    contractCheck().check(method, path, answer as unknown as supertest.Response);
    return answer;
  };

  it('takes a new customer from registration to a confirmed order', async () => {
    server = await startServer({ DATA_DIR: dir.path });
    await eventually(async () => ((await fetch(`${server!.url}/ready`)).status === 200 ? true : undefined));

    const registered = await curl('POST', '/api/v1/account/register', { email: 'zoe@example.com', password: 'correct-horse', name: 'Zoe' });
    expect(registered.status).to.equal(201);
    const login = await curl('POST', '/api/v1/account/login', { email: 'zoe@example.com', password: 'correct-horse' });
    expect(login.status).to.equal(200);
    const token = login.body.token as string;

    const products = await curl('GET', '/api/v1/products?pageSize=1');
    expect(products.status).to.equal(200);
    const product = products.body.items[0];
    expect(product.inStock).to.equal(true);

    const cart = await curl('POST', '/api/v1/cart/items', { productId: product.productId, quantity: 1 }, token);
    expect(cart.status).to.equal(200);
    expect(cart.body.total).to.deep.equal(product.price);

    const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
    const placed = await curl('POST', '/api/v1/checkout', { shippingAddress: address, paymentMethod: { token: 'tok_visa' } }, token);
    expect(placed.status).to.equal(202);
    expect(placed.body.status).to.equal('Pending');
    const location = placed.headers.location as string;
    expect(location).to.equal(`/api/v1/orders/${placed.body.orderId}`);

    const order = await eventually(async () => {
      const res = await curl('GET', location, undefined, token);
      return res.body.status === 'Confirmed' ? res.body : undefined;
    }, 20_000);
    expect(order.history.map((h: { status: string }) => h.status)).to.deep.equal(['Pending', 'Paid', 'Confirmed']);
    expect(order.payment.status).to.equal('Captured');
  });
});
