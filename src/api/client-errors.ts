import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { problem, type Problem } from './problems.js';

/**
 * What node's HTTP parser refuses before express sees it (headers and URL over 16 KiB, a
 * malformed request line or header, Content-Length beside Transfer-Encoding, a body cut short)
 * is answered as every other refusal is: problem+json. Node's own answer is a bare status line
 * with no body, which a client reading `{type, title, status, detail}` cannot read.
 */
export const answerUnparsableRequests = (server: Server): void => {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket & { _httpMessage?: { headersSent?: boolean } | null }) => {
    // As node does: only on a connection still open whose answer in progress, if any, has not begun (an earlier
    // answer on a kept-alive connection is done with). `_httpMessage` is that answer: node's own default reads it.
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent === true) {
      socket.destroy();
      return;
    }
    // What the client still sends is read and dropped: unread bytes at close make the kernel reset the
    // connection, and a client still writing a long URL then loses the answer. A few seconds, no more.
    socket.resume();
    socket.setTimeout(5_000, () => socket.destroy());
    socket.end(rawAnswer(problemOf(error.code)));
  });
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
    'Connection: close',
    '',
    json,
  ].join('\r\n');
};
