import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { problem, type Problem } from './problems.js';

/** An answer node is writing on a connection (its `_httpMessage`, which node's own default handler reads too). */
type Answer = { once(event: 'close', listener: () => void): unknown; headersSent: boolean; req?: IncomingMessage };
type ClientSocket = Socket & { _httpMessage?: Answer | null };

/**
 * What node's HTTP parser refuses before express sees it (headers and URL over 16 KiB, a
 * malformed request line or header, Content-Length beside Transfer-Encoding, a body cut short)
 * is answered as every other refusal is: problem+json. Node's own answer is a bare status line
 * with no body, which a client reading `{type, title, status, detail}` cannot read.
 */
export const answerUnparsableRequests = (server: Server): void => {
  /** Connections refused already: the parser reports its error again for every later chunk. */
  const refused = new WeakSet<Socket>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: ClientSocket) => {
    if (refused.has(socket)) return;
    refused.add(socket);
    // The requests read before the bytes refused are answered first, in order: pipelined with them, a
    // cart command was applied and its answer replaced by this one (a probe). Then this one, if the
    // connection is still open (an answer among them may have closed it).
    const afterTheirAnswers = () => {
      const answering = socket._httpMessage;
      // Unless the bytes refused are the body of the request being answered (a bad chunk size
      // after its first chunk): its handler waits for the rest of that body, which never comes.
      if (answering && !(answering.req?.complete === false && !answering.headersSent)) return void answering.once('close', afterTheirAnswers);
      if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      endWith(socket, problemOf(error.code));
    };
    afterTheirAnswers();
  });
  // CONNECT asks a proxy for a tunnel; node closes the connection without a word when nobody listens.
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    endWith(socket, problem(404, 'route-not-found', `No route ${req.method} ${req.url ?? ''}: this server is no proxy.`));
  });
  // Expect: 100-continue asks whether to send the body: not one declared over the limit (413 now, no 100 first).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > BODY_LIMIT) return answerNow(req, res, problem(413, 'payload-too-large', 'The request body is larger than 1 MiB.'));
    res.writeContinue();
    server.emit('request', req, res);
  });
  // An Expect other than 100-continue: node's own answer is a bare 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
    answerNow(req, res, problem(417, 'expectation-failed', `Expect: ${req.headers.expect ?? ''} cannot be met; only 100-continue is.`)),
  );
};

/**
 * An HTTP/1.1 request without a Host (RFC 9112 §3.2: 400), refused as every other refusal is:
 * node's own check (`requireHostHeader`, turned off for the app's server) answered a bare 400
 * with no body and none of the shop's headers. `handle` gets every other request.
 */
export const hostRequired =
  <Req extends IncomingMessage, Res extends ServerResponse>(handle: (req: Req, res: Res) => void) =>
  (req: Req, res: Res): void => {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && !req.headers.host) {
      return answerNow(req, res, problem(400, 'malformed-request', 'The request has no Host header, or an empty one: HTTP/1.1 requires one naming the server.'));
    }
    handle(req, res);
  };

/** The largest request body read: 1 MiB. */
export const BODY_LIMIT = 1024 * 1024;

/** Answers a request the app never sees, and closes its connection (its body unread, dropped for 5 s at most). */
const answerNow = (req: IncomingMessage, res: ServerResponse, answer: Problem): void => {
  const body = JSON.stringify(answer);
  res.writeHead(answer.status, {
    'Content-Type': 'application/problem+json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', Connection: 'close',
  });
  res.end(body);
  req.resume();
  req.socket.setTimeout(5_000, () => req.socket.destroy());
};

/**
 * Answers on the raw connection and closes it. What the client still sends is read and
 * dropped meanwhile: unread bytes at close make the kernel reset the connection, and a client
 * still writing (a long URL, a body) then loses the answer. A few seconds, no more.
 */
const endWith = (socket: Socket, body: Problem): void => {
  socket.resume();
  socket.setTimeout(5_000, () => socket.destroy());
  socket.end(rawAnswer(body));
};

const problemOf = (code: string | undefined): Problem => {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return problem(431, 'headers-too-large', 'The request line and headers are larger than 16 KiB: shorten the URL or the headers.');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return problem(413, 'payload-too-large', 'The chunk extensions of the request body are too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem(408, 'request-timeout', 'The request was not received in time.');
    default:
      return problem(400, 'malformed-request', 'The request is not valid HTTP/1.1.');
  }
};

const rawAnswer = (body: Problem): string => {
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${body.status} ${body.title}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    json,
  ].join('\r\n');
};
