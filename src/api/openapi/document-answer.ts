import type { Request, Response } from 'express';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { etagOf, matches, notModified, publicMaxAge } from '../caching.js';

const compress = promisify(gzip);

/**
 * `/openapi.json` as it is answered. The document is fixed from start to stop, so it is
 * serialised and hashed once (on the first request: its schemas take tens of milliseconds, and
 * most processes are never asked), and compressed once, off the event loop. Sent as text on
 * every request, its 718 KB took about 8 ms of the event loop each, and nothing limits the
 * route (a probe: one client on 8 connections held every other request up to 183 ms). A client
 * that kept it is answered 304 (ETag, as the catalog's public reads); one that accepts gzip gets
 * it so, about a tenth of the bytes.
 */
export class DocumentAnswer {
  private ready: { body: Buffer; etag: string } | undefined;
  private gzipped: Buffer | undefined;

  constructor(
    private readonly build: () => unknown,
    private readonly maxAgeS: number,
  ) {}

  send(req: Request, res: Response): void {
    const { body, etag } = (this.ready ??= this.prepare());
    res.set({ ETag: etag, 'Cache-Control': publicMaxAge(this.maxAgeS) });
    res.vary('Accept-Encoding');
    if (matches(req.get('if-none-match'), etag)) return void notModified(res);
    res.type('application/json');
    if (this.gzipped && req.acceptsEncodings('gzip') === 'gzip') {
      res.set('Content-Encoding', 'gzip');
      return void res.send(this.gzipped);
    }
    res.send(body);
  }

  private prepare(): { body: Buffer; etag: string } {
    const text = JSON.stringify(this.build());
    const body = Buffer.from(text);
    // Until it is ready the document goes out as it is.
    compress(body).then(
      (zipped) => (this.gzipped = zipped),
      () => undefined,
    );
    return { body, etag: etagOf(text) };
  }
}
