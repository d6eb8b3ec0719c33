import { EventSource } from 'eventsource';
import type { Api } from './api.js';

/**
 * Live order progress: GET /api/v1/orders/:id/events (Server-Sent Events). The browser's own
 * EventSource cannot send an Authorization header, so the `eventsource` package's (the same
 * API, with a fetch of our own that adds it); it reconnects by itself and resumes with
 * Last-Event-ID, so no status change is lost across a dropped connection.
 */

export type OrderStatusEvent = { orderId: string; index: number; status: string; at: string };

export type OrderEventHandlers = {
  /** A status change, in order, each once (`index` is its place in the order's history). */
  status: (event: OrderStatusEvent) => void;
  /** Anything else of the order changed (payment refunded, shipment booked...): read it again. */
  changed?: () => void;
  /** The stream is (re)connected or lost. */
  connection?: (open: boolean) => void;
};

/** How long after a refused stream it is asked for again. */
const REOPEN_MS = 2_000;

/** Refusals that asking again does not change. */
const FINAL = new Set([401, 403, 404]);

export const watchOrder = (api: Api, orderId: string, handlers: OrderEventHandlers): (() => void) => {
  let stopped = false;
  let reopen: ReturnType<typeof setTimeout> | undefined;
  const open = (): EventSource => {
    const source = new EventSource(`/api/v1/orders/${encodeURIComponent(orderId)}/events`, {
      fetch: (input, init) => {
        const token = api.session?.token;
        return fetch(input, { ...init, headers: { ...init?.headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
      },
    });
    source.addEventListener('status', (message) => handlers.status(JSON.parse(message.data) as OrderStatusEvent));
    source.addEventListener('changed', () => handlers.changed?.());
    source.addEventListener('open', () => handlers.connection?.(true));
    source.addEventListener('error', (event) => {
      handlers.connection?.(false);
      // A dropped connection is taken up again by the EventSource itself; a refused one (503: the
      // process's limit of streams, a process stopping, read models catching up) closes it for
      // good, so it is asked for again after a pause. It sends every status again: the page reads once more.
      // An order that is not there or not this shopper's (404), or a session that is not one (401, 403),
      // stays so: asking again every 2 s would only repeat the refusal for as long as the page is open.
      if (source.readyState !== EventSource.CLOSED || stopped || FINAL.has(event.code ?? 0)) return;
      reopen = setTimeout(() => (current = open()), REOPEN_MS);
    });
    return source;
  };
  let current = open();
  return () => {
    stopped = true;
    clearTimeout(reopen);
    current.close();
  };
};
