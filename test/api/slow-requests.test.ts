import { expect } from 'chai';
import express from 'express';
import { connect } from 'node:net';
import { REQUEST_TIMEOUTS, serverFor, serveThrough, type RequestTimeouts } from '../../src/api/request-chain.js';
import { listening, type Listening } from '../support/raw-http.js';

/**
 * A client that sends its request slowly (a byte of body every few seconds) is cut off once
 * the request takes longer than the server's limit (408, the connection closed); Node's own
 * limits let one hold a connection for 5 minutes. An answer streamed for longer is no request
 * being received, and goes on.
 */
describe('HTTP requests sent slowly', () => {
  const FAST: RequestTimeouts = { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 };
  let server: Listening;
  before(async () => {
    const app = serveThrough(express(), {
      stages: [
        (req, res, next) => {
          if (req.path !== '/stream') return next();
          // An answer that takes three request timeouts to finish.
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          let sent = 0;
          const timer = setInterval(() => {
            res.write(`data: ${(sent += 1)}\n\n`);
            if (sent === 6) clearInterval(timer), res.end();
          }, 300);
        },
        express.json(),
        (req, res) => void res.json({ read: req.body as unknown }),
      ],
      notFound: (_req, res) => void res.status(404).end(),
      onError: (_error, _req, res, _next) => void res.status(500).end(),
    });
    server = await listening(serverFor(app, FAST));
  });
  after(() => server.server.close());

  /** Sends `head`, then `drip` a byte at a time every `everyMs`; answers what came back and whether the server closed. */
  const slowly = (head: string, drip: string, everyMs: number, giveUpMs = 5_000) =>
    new Promise<{ answer: string; closedByServer: boolean; ms: number }>((resolve) => {
      const started = Date.now();
      const socket = connect(server.port, '127.0.0.1');
      let answer = '';
      let at = 0;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.write(head);
      const timer = setInterval(() => (at < drip.length ? socket.write(drip[at++]!) : undefined), everyMs);
      const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve({ answer, closedByServer: Date.now() - started < giveUpMs, ms: Date.now() - started });
      });
    });

  it('answers 408 and closes the connection of a body dripped slower than the request timeout', async () => {
    const body = JSON.stringify({ note: 'x'.repeat(40) });
    const { answer, closedByServer } = await slowly(`POST /api/v1/x HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body, 100);
    expect(closedByServer, 'closed by the server, not by the test giving up').to.equal(true);
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose headers never end', async () => {
    const { closedByServer } = await slowly('GET /api/v1/x HTTP/1.1\r\nHost: shop\r\n', 'X-Slow: ' + 'a'.repeat(100), 100);
    expect(closedByServer).to.equal(true);
  });

  it('reads a request sent in time, and streams an answer longer than the request timeout to its end', async () => {
    const body = JSON.stringify({ ok: true });
    const quick = await slowly(`POST /api/v1/x HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, '', 1000);
    expect(quick.answer).to.match(/^HTTP\/1\.1 200 /).and.match(/\{"read":\{"ok":true\}\}/);
    const stream = await slowly('GET /stream HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n', '', 1000);
    expect(stream.answer).to.match(/^HTTP\/1\.1 200 /).and.match(/data: 6/);
  });

  it("runs the shop's server with limits of seconds, not Node's 60 s and 5 minutes", () =>
    expect(REQUEST_TIMEOUTS).to.deep.equal({ headersTimeout: 20_000, requestTimeout: 30_000, connectionsCheckingInterval: 5_000 }));
});
