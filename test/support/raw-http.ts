import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A server on a free port of 127.0.0.1, and requests sent to it with their target exactly as
 * written (not normalised as a URL would be: doubled slashes, broken encodings, absolute
 * form), for the tests that compare how two apps route the same odd requests.
 */

export type RawAnswer = { status: number; body: string };

export type Listening = { server: Server; port: number };

/** `server` listening on a free port of 127.0.0.1. */
export const listening = (server: Server): Promise<Listening> =>
  new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });

export const sendRaw = (port: number, method: string, target: string): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
