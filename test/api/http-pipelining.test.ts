/**
 * Pipelined requests (src/api/http-pipelining.ts): handled one at a time, in order, and never
 * after an answer that closed the connection. A probe of a stop found pipelined cart commands
 * applied and never answered: node handed them to the app at once, then dropped their answers
 * behind the one that closed the connection.
 */
import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { answerUnparsableRequests } from '../../src/api/client-errors.js';
import { drainable } from '../../src/api/http-drain.js';
import { oneAtATime } from '../../src/api/http-pipelining.js';
import { serverFor, serveThrough } from '../../src/api/request-chain.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

const post = (n: number) => `POST /cart/${n} HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;

/** Writes the requests in one go (pipelined) and returns everything the server sent until it closed the connection, or until `untilAnswers` answers came. */
const pipeline = (port: number, requests: string[], untilAnswers = requests.length): Promise<{ raw: string; answers: string[]; endedByServer: boolean }> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(requests.join('')));
    let raw = '';
    const answers = () => raw.split(/(?=HTTP\/1\.1 )/).filter((part) => part.startsWith('HTTP/1.1 '));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      raw += chunk;
      // The last answer complete (its body is the request's number): done, the connection left open.
      if (answers().length === untilAnswers && /\r\n\r\n\d+$/.test(raw)) {
        socket.destroy();
        resolve({ raw, answers: answers(), endedByServer: false });
      }
    });
    socket.on('end', () => resolve({ raw, answers: answers(), endedByServer: true }));
    socket.on('error', reject);
  });

/** A server whose handler records each request's path and answers it with the path's last character, after `delayMs` of it (at once when undefined). */
const recording = (handled: string[], delayMs: (url: string) => number | undefined = () => undefined): Server =>
  createServer(
    oneAtATime((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      handled.push(req.url!);
      const answer = () => res.end(req.url!.slice(-1));
      const delay = delayMs(req.url!);
      if (delay === undefined) answer();
      else setTimeout(answer, delay);
    }),
  );

describe('pipelined requests: one at a time, in order, none after an answer that closes the connection', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('starts each once the answer before it is sent, and answers all in order', async () => {
    const events: string[] = [];
    // The first takes longest: handed over at once (node's way), the answers would still be in order, but the handling would overlap.
    const delays: Record<string, number> = { '/cart/1': 40, '/cart/2': 20, '/cart/3': 0 };
    server = createServer(
      oneAtATime((req: IncomingMessage, res: ServerResponse) => {
        req.resume();
        events.push(`start ${req.url}`);
        setTimeout(() => {
          events.push(`end ${req.url}`);
          res.end(req.url!.slice(-1));
        }, delays[req.url!]);
      }),
    );
    const port = await listen(server);
    const { answers } = await pipeline(port, [post(1), post(2), post(3)]);
    expect(answers.map((answer) => answer.slice(-1))).to.deep.equal(['1', '2', '3']);
    expect(events).to.deep.equal(['start /cart/1', 'end /cart/1', 'start /cart/2', 'end /cart/2', 'start /cart/3', 'end /cart/3']);
  });

  it('handles nothing behind an answer that closes the connection (RFC 9112 §9.6), through the app server', async () => {
    const handled: string[] = [];
    const handler: RequestHandler = (req, res) => {
      handled.push(req.url);
      if (req.url === '/cart/1') res.set('Connection', 'close');
      setTimeout(() => res.send(req.url.slice(-1)), 10);
    };
    const app = serveThrough(express(), { stages: [handler], notFound: (_req, res) => void res.sendStatus(404), onError: (_e, _req, res, _next) => void res.sendStatus(500) });
    server = serverFor(app);
    const port = await listen(server);
    const { answers, endedByServer } = await pipeline(port, [post(1), post(2), post(3)]);
    expect(answers).to.have.length(1);
    expect(answers[0]).to.match(/^HTTP\/1\.1 200/).and.match(/connection: close/i);
    expect(endedByServer).to.equal(true);
    await sleep(50);
    expect(handled, 'the requests behind it were never handled').to.deep.equal(['/cart/1']);
  });

  it('handles nothing behind the request in flight when a drain begins: its answer closes the connection', async () => {
    const handled: string[] = [];
    server = recording(handled, (url) => (url === '/cart/1' ? 100 : 0));
    const http = drainable(server);
    const port = await listen(server);
    const answered = pipeline(port, [post(1), post(2), post(3)]);
    while (handled.length === 0) await sleep(5);
    await http.drain(5_000);
    const { answers, endedByServer } = await answered;
    expect(answers).to.have.length(1);
    expect(answers[0]).to.match(/connection: close/i);
    expect(endedByServer).to.equal(true);
    expect(handled).to.deep.equal(['/cart/1']);
  });

  it('goes on with the requests behind an answer that keeps the connection', async () => {
    const handled: string[] = [];
    server = recording(handled);
    const port = await listen(server);
    const { answers, endedByServer } = await pipeline(port, [post(1), post(2)]);
    expect(answers.map((answer) => answer.slice(-1))).to.deep.equal(['1', '2']);
    expect(answers[0]).to.match(/connection: keep-alive/i);
    expect(endedByServer).to.equal(false);
    expect(handled).to.deep.equal(['/cart/1', '/cart/2']);
  });
  it('answers the requests read before bytes the parser refuses, in order, and only then refuses them', async () => {
    const handled: string[] = [];
    server = serverFor(
      serveThrough(express(), {
        stages: [(req, res) => (handled.push(req.url), setTimeout(() => res.send(req.url.slice(-1)), 20))],
        notFound: (_req, res) => void res.sendStatus(404),
        onError: (_e, _req, res, _next) => void res.sendStatus(500),
      }),
    );
    answerUnparsableRequests(server);
    const port = await listen(server);
    // A cart command, a second one, then what is not HTTP: both are applied, so both answers must come.
    const { answers, endedByServer } = await pipeline(port, [post(1), post(2), 'NOT HTTP AT ALL\r\n\r\n']);
    expect(answers.map((answer) => answer.split('\r\n')[0])).to.deep.equal(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
    expect(answers[0]!.slice(-1)).to.equal('1');
    expect(answers[1]!.slice(-1)).to.equal('2');
    expect(answers[2]).to.match(/application\/problem\+json/).and.match(/malformed-request/);
    expect(endedByServer).to.equal(true);
    expect(handled).to.deep.equal(['/cart/1', '/cart/2']);
  });
});
