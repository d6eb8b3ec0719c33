import { expect } from 'chai';
import { connect } from 'node:net';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * What node's HTTP parser refuses before express sees it is answered problem+json like every
 * other refusal. Node's own answer was a bare `HTTP/1.1 431` or `400` with no body at all.
 */

type RawAnswer = { status: number; headers: Record<string, string>; body: string };

/** Sends bytes as they are (no client would send these) and reads until the server closes: the first answer's head, and all that follows it. */
const sendRaw = (port: number, bytes: string, thenBytes?: string): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let next = thenBytes;
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      // A second request once the first is answered: on the connection kept alive, not pipelined.
      if (next !== undefined) socket.write(next);
      next = undefined;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const end = received.indexOf('\r\n\r\n');
      const [head, body] = end < 0 ? [received, ''] : [received.slice(0, end), received.slice(end + 4)];
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(bytes);
  });

const expectRawProblem = (answer: RawAnswer, status: number) => {
  expect(answer.status, answer.body).to.equal(status);
  expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(Number(answer.headers['content-length'])).to.equal(Buffer.byteLength(answer.body));
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).to.include({ status });
  expect(problem.type).to.be.a('string');
  expect(problem.title).to.be.a('string');
  expect(problem.detail).to.be.a('string');
};

describe('Requests the HTTP parser refuses', function () {
  this.timeout(60_000);
  const dir = tempDir();
  let server: ServerProcess | undefined;
  before(async () => (server = await startServer({ DATA_DIR: dir.path, SEED_DEMO: 'false' })));
  after(async () => {
    await killServer(server);
    dir.remove();
  });

  it('answers headers over 16 KiB with 431 problem+json', async () => {
    expectRawProblem(await sendRaw(server!.port, `GET /api/v1/products HTTP/1.1\r\nHost: shop\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`), 431);
  });

  it('answers a URL over 16 KiB (a long search) with 431 problem+json', async () => {
    expectRawProblem(await sendRaw(server!.port, `GET /api/v1/search?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: shop\r\n\r\n`), 431);
  });

  it('answers a malformed header, a control character in one, and Content-Length beside Transfer-Encoding with 400 problem+json', async () => {
    expectRawProblem(await sendRaw(server!.port, 'GET /api/v1/products HTTP/1.1\r\nHost: shop\r\nBad Header: x\r\n\r\n'), 400);
    expectRawProblem(await sendRaw(server!.port, 'GET /api/v1/products HTTP/1.1\r\nHost: shop\r\nX-Request-Id: a\u0001b\r\n\r\n'), 400);
    const smuggled = 'POST /api/v1/account/login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    expectRawProblem(await sendRaw(server!.port, smuggled), 400);
  });

  it('answers an HTTP/1.1 request without Host with 400 problem+json and the shop\'s headers, doing nothing of it; HTTP/1.0 needs none', async () => {
    const body = JSON.stringify({ email: 'no-host@test.local', password: 'long enough!', name: 'Nohost' });
    const register = (host: string) =>
      `POST /api/v1/account/register HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    const refused = await sendRaw(server!.port, register(''));
    expectRawProblem(refused, 400);
    expect(JSON.parse(refused.body)).to.include({ type: 'urn:shop:problem:malformed-request' });
    expect(refused.body).to.include('Host');
    expect(refused.headers).to.include({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
    expectRawProblem(await sendRaw(server!.port, 'GET /api/v1/products HTTP/1.1\r\n\r\n'), 400);
    // Nothing of the refused registration was done: the same one with a Host registers the email.
    expect((await sendRaw(server!.port, register('Host: shop\r\n'))).status).to.equal(201);
    expect((await sendRaw(server!.port, 'GET /health HTTP/1.0\r\n\r\n')).status).to.equal(200);
    // After a request answered on a kept-alive connection: that answer, then the refusal.
    const both = await sendRaw(server!.port, 'GET /health HTTP/1.1\r\nHost: shop\r\n\r\n', 'GET /health HTTP/1.1\r\n\r\n');
    expect(both.status).to.equal(200);
    expect(both.body.slice(both.body.indexOf('HTTP/1.1 '))).to.match(/^HTTP\/1\.1 400 /).and.include('application/problem+json');
  });

  it('answers 431 problem+json on a kept-alive connection after a request answered on it', async () => {
    const both = await sendRaw(server!.port, 'GET /health HTTP/1.1\r\nHost: shop\r\n\r\n', `GET /health HTTP/1.1\r\nHost: shop\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(both.status).to.equal(200);
    const second = both.body.slice(both.body.indexOf('HTTP/1.1 '));
    expect(second, 'a second answer on the connection').to.match(/^HTTP\/1\.1 431 /);
    expect(second).to.include('application/problem+json').and.include('"status":431');
  });

  it('answers a bad chunk size after a good chunk at once with 400 problem+json (its handler waited for the rest of the body)', async () => {
    const started = performance.now();
    const answer = await sendRaw(server!.port, 'POST /api/v1/account/login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\nZZZ\r\n');
    expectRawProblem(answer, 400);
    expect(performance.now() - started, 'answered without waiting for a timeout').to.be.below(4_000);
  });

  it('answers a body declared over 1 MiB with 413 problem+json before the body has come in', async () => {
    // Only the head and a first slice are sent: the answer cannot wait for the rest.
    const head = 'POST /api/v1/account/register HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n';
    const answer = await sendRaw(server!.port, head + '{"email": "' + 'x'.repeat(60_000));
    expect(answer.status, answer.body).to.equal(413);
    expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(answer.headers.connection).to.equal('close');
    expect(JSON.parse(answer.body)).to.include({ type: 'urn:shop:problem:payload-too-large', status: 413 });
  });

  it('closes the connection of any refusal of a body declared over 1 MiB, reading no more of it (a query that does not decode: 400)', async () => {
    const head = 'POST /api/v1/account/register?q=%ZZ HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n';
    const answer = await sendRaw(server!.port, head + '{"email": "' + 'x'.repeat(60_000));
    expect(answer.status, answer.body).to.equal(400);
    expect(answer.headers.connection).to.equal('close');
  });

  it('answers Expect: 100-continue for a body declared over 1 MiB with 413 and no 100 Continue, and one within it with 100 then its answer', async () => {
    const large = await sendRaw(server!.port, 'POST /api/v1/account/register HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n');
    expectRawProblem(large, 413);
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not this one' });
    const small = await sendRaw(
      server!.port,
      `POST /api/v1/account/login HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      body,
    );
    expect(small.status, 'the interim answer first').to.equal(100);
    expect(small.body, 'then the sign-in, read and refused').to.match(/^HTTP\/1\.1 401 /);
  });

  it('answers CONNECT (this is no proxy) with 404 and an Expect it cannot meet with 417, both problem+json', async () => {
    const tunnel = await sendRaw(server!.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expectRawProblem(tunnel, 404);
    expect(JSON.parse(tunnel.body)).to.include({ type: 'urn:shop:problem:route-not-found' });
    const expectation = await sendRaw(server!.port, 'GET /api/v1/products HTTP/1.1\r\nHost: shop\r\nExpect: 200-ok\r\n\r\n');
    expectRawProblem(expectation, 417);
    expect(JSON.parse(expectation.body)).to.include({ type: 'urn:shop:problem:expectation-failed' });
  });

  it('still answers a well-formed request on the same server', async () => {
    const answer = await sendRaw(server!.port, 'GET /health HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n');
    expect(answer.status).to.equal(200);
  });
});
