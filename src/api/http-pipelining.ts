import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type Listener<Req extends IncomingMessage, Res extends ServerResponse> = (req: Req, res: Res) => void;

/**
 * Pipelined requests (sent on a connection before the answer to the one before them) are
 * handled one at a time, in order: a request starts once the answer before it is sent, and
 * never when that answer closed the connection.
 *
 * node hands every pipelined request to the app at once, and drops the answers queued behind
 * one that closes its connection (`Connection: close`, which every answer of a stopping server
 * carries). A probe of a stop had pipelined cart commands applied and never answered: their
 * client could not know. RFC 9112 §9.6: a server closing a connection after an answer "MUST NOT
 * process any further requests received on that connection"; §9.3.2: its client sends them
 * again. Clients that wait for each answer (browsers, node's and undici's agents) never meet the
 * queue: an answer is done before its client can send the next request.
 */
export const oneAtATime = <Req extends IncomingMessage, Res extends ServerResponse>(handle: Listener<Req, Res>): Listener<Req, Res> => {
  /** A connection with a request being answered: the requests that came in behind it, in order. */
  const waiting = new WeakMap<Socket, Array<[Req, Res]>>();
  const start = (req: Req, res: Res): void => {
    res.once('close', () => next(req.socket));
    handle(req, res);
  };
  const next = (socket: Socket): void => {
    const queue = waiting.get(socket);
    const following = queue?.shift();
    // Nothing behind it, or the answer ended the connection (its own Connection: close, or the
    // client went away): what waits is never handled.
    if (!following || socket.destroyed || socket.writableEnded) {
      waiting.delete(socket);
      return;
    }
    start(...following);
  };
  return (req, res) => {
    const queue = waiting.get(req.socket);
    if (queue) {
      queue.push([req, res]);
      return;
    }
    waiting.set(req.socket, []);
    start(req, res);
  };
};
