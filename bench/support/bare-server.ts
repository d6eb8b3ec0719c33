import express from 'express';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The anchors of the HTTP benchmarks: a bare express app and a bare node:http server that
 * answer every request with the same JSON our server answers (read from a file), parsing
 * the JSON body of a POST as express.json would. Prints `{"port":...}` once listening.
 */
const [kind, answerFile] = process.argv.slice(2);
const answer = readFileSync(answerFile!, 'utf8');

const server: Server =
  kind === 'express'
    ? (() => {
        const app = express();
        app.use(express.json({ limit: '1mb' }));
        app.all('/{*path}', (_req, res) => {
          res.type('application/json').send(answer);
        });
        return createServer(app);
      })()
    : createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          if (chunks.length > 0) JSON.parse(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
          res.end(answer);
        });
      });

server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
