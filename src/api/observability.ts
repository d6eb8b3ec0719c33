import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { v4 as uuidv4 } from 'uuid';
import { loggedUrl } from './log-privacy.js';

/** Request ids, structured request logs and Prometheus metrics. */

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: echoed from X-Request-Id or made here; the correlation id of the events it causes. */
    id: string;
  }
}

/**
 * Request ids, one structured log line per request (pino), at a level that follows the
 * status: info, warn for 4xx, error for 5xx, and the request's metrics. (pino-http did this
 * with a child logger per request, which cost more than the rest of a read.) One listener
 * for the end of the answer does both: the time taken is measured once.
 */
export const requestObservation = (logger: Logger, metrics: Metrics): RequestHandler => {
  // The request line has one shape, with no field that a redacted path names (see REDACTED_PATHS:
  // its URL is scrubbed here, and it holds no body, header, email or address), so it is written
  // by a child without the redaction, which cost six times the rest of the line. The level is the
  // parent's, looked up for every line (the child lets every level through).
  const lines = logger.child({}, { level: 'trace', redact: { paths: [] } });
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : uuidv4();
    res.setHeader('X-Request-Id', req.id);
    const started = performance.now();
    res.once('finish', () => {
      const ms = performance.now() - started;
      const status = res.statusCode;
      metrics.record(req, status, ms / 1000);
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const responseTime = Math.round(ms * 10) / 10;
      // No email address, no query value reaches the log: see log-privacy.ts.
      lines[level]({ req: { id: req.id, method: req.method, url: loggedUrl(req.originalUrl) }, res: { statusCode: status }, responseTime }, 'request completed');
    });
    next();
  };
};

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge computed when scraped (projection positions, lag). */
  gauge(name: string, help: string, labelNames: string[], collect: (set: (labels: Record<string, string>, value: number) => void) => Promise<void>) {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels, value));
      },
    });
  }

  /**
   * A counter whose running totals are kept elsewhere (counts since this process started) and
   * read when scraped: typed as a counter, so rate() and increase() apply to it.
   */
  counter(name: string, help: string, labelNames: string[], collect: (set: (labels: Record<string, string>, total: number) => void) => void) {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        collect((labels, total) => this.inc(labels, total));
      },
    });
  }

  /** A finished request: its count by status and its latency, under the matched route pattern. */
  record(req: Request, status: number, seconds: number): void {
    // The matched route pattern, not the raw path: ids would explode the label set. As the route saw it, if
    // it said (an error is answered where express has taken the router's base URL off), else as it is now.
    const labelled: unknown = req.res?.locals.route;
    const route = typeof labelled === 'string' ? labelled : req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    this.requests.inc({ method: req.method, route, status: String(status) });
    this.latency.observe({ method: req.method, route }, seconds);
  }
}
