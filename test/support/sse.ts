/**
 * A client of a Server-Sent Events stream for the tests: reads the raw text/event-stream
 * (ids, event names, data, comments) with fetch, so a test sees exactly what was sent.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './test-app.js';

export type Sse = { id?: string; event: string; data: string };

/**
 * The app on a real server (127.0.0.1, a free port), for clients that hold streams open; `close`
 * ends the app's live streams and the clients' idle keep-alive sockets too (else the close waits
 * out their 5 s), then the app.
 */
export const listening = async (app: TestApp): Promise<{ base: string; close: () => Promise<void> }> => {
  const server = await new Promise<Server>((resolve) => {
    const started = app.app.listen(0, '127.0.0.1', () => resolve(started));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      app.deps.liveStreams.closeAll();
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await app.close();
    },
  };
};

/** Reads a stream of Server-Sent Events until `enough` says so (or the time is up), then hangs up. */
export const readEvents = async (url: string, headers: Record<string, string>, enough: (events: Sse[]) => boolean, timeoutMs = 10_000) => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const response = await fetch(url, { headers, signal: abort.signal });
  const events: Sse[] = [];
  const comments: string[] = [];
  if (response.status !== 200) {
    clearTimeout(timer);
    return { response, events, comments, ended: true, body: (await response.json()) as { errors?: unknown } };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  /** The server ended the stream (not `enough`, not the timeout). */
  let ended = false;
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: Sse = { event: 'message', data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line);
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) (event.data = line.slice(6)), (hasData = true);
        }
        if (hasData) events.push(event);
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { response, events, comments, ended, body: undefined as { errors?: unknown } | undefined };
};

