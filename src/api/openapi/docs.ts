import type { RequestHandler } from 'express';
import { str } from '../../projections/json-schema.js';
import type { DocumentOptions, OpenApiDocument } from './document.js';
import { DocumentAnswer } from './document-answer.js';
import { defineRoutes } from './route-table.js';

/**
 * The contract for machines (`/openapi.json`) and for people (`/docs/`: Swagger UI served
 * from swagger-ui-dist in node_modules; no CDN, nothing fetched at run time, not even the
 * online validator's badge). Public, outside /api/v1 and its limits, like /health. The
 * document is the table's own, these routes included.
 */

const UI_OPTIONS = { swaggerUrl: '/openapi.json', swaggerOptions: { validatorUrl: null }, customSiteTitle: 'Shop API reference' };

/**
 * The reference page's headers: as the storefront's (src/web/pages.ts), except for styles.
 * swagger-ui-express writes its page with `<style>` blocks and Swagger UI sets style
 * attributes as it renders, so styles may be inline; scripts may not (the page's only script
 * is swagger-ui-init.js, served here). Not framed anywhere, not sniffed.
 */
const DOCS_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const docsHeaders: RequestHandler = (_req, res, next) => {
  res.set({ 'Content-Security-Policy': DOCS_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
  next();
};

export const contractRoutes = (document: (options: DocumentOptions) => OpenApiDocument) =>
  defineRoutes({
    prefix: '',
    edge: 'root',
    tag: 'Reference',
    routes: {
      openApiDocument: {
        cache: 'public', method: 'get', path: '/openapi.json', role: 'anonymous', summary: 'This document: the contract as OpenAPI 3.1',
        description: 'Fixed while a process runs: with an ETag (If-None-Match answered 304), and gzip-compressed for a client that accepts it.',
        success: { status: 200, description: 'The document.', schema: { type: 'object', required: ['openapi', 'info', 'paths'] } },
        problems: [], example: {},
      },
    },
    handlers: (deps) => {
      const answer = new DocumentAnswer(() => document({ currency: deps.config.currency }), deps.config.cacheMaxAgeS);
      return { openApiDocument: (req, res) => answer.send(req, res) };
    },
  });

export const docsRoutes = defineRoutes({
  prefix: '/docs',
  edge: 'root',
  tag: 'Reference',
  routes: {
    // One route serves both paths (the page's handler redirects a path without its slash); the document lists each apart.
    docsRedirect: {
      method: 'get', path: '/', role: 'anonymous', summary: 'Where the API reference for people is (`/docs/`)',
      description: 'Redirects (301) to `/docs/`: the page loads its assets relative to itself.',
      success: { status: 301, description: 'Where the page is (`Location: /docs/`).', schema: str(), contentType: 'text/html' },
      problems: [], headers: ['Location'], example: {},
    },
    docsPage: {
      method: 'get', path: '/', slash: true, role: 'anonymous', summary: 'The API reference for people (Swagger UI over /openapi.json)',
      description: 'The page, which loads its scripts and styles (`/docs/{asset}`) relative to itself.',
      success: { status: 200, description: 'The page.', schema: str(), contentType: 'text/html' },
      problems: [], example: {},
    },
    docsAsset: {
      method: 'get', path: '/:asset', role: 'anonymous', summary: "The page's scripts and styles, from swagger-ui-dist",
      params: { asset: str() },
      description: 'Served whole (a Range is not honoured), with validators of the file: a kept copy is asked about again (304 while unchanged).',
      success: { status: 200, description: 'The file (script, style sheet or icon).', schema: str(), contentType: '*/*' },
      problems: [404], cache: 'file', example: {},
    },
  },
  handlers: () => {
    const docsPage: RequestHandler = async (req, res, next) => {
      docsHeaders(req, res, () => undefined);
      if (!req.originalUrl.split('?')[0]!.endsWith('/')) return void res.status(301).location('/docs/').type('html').send('<a href="/docs/">/docs/</a>');
      (await swaggerUi()).page(req, res, next);
    };
    const docsAsset: RequestHandler = async (req, res, next) => {
      docsHeaders(req, res, () => undefined);
      const { init, assets } = await swaggerUi();
      init(req, res, (error?: unknown) => (error ? next(error) : assets(req, res, next)));
    };
    return { docsRedirect: docsPage, docsPage, docsAsset };
  },
});

type SwaggerHandlers = { init: RequestHandler; assets: RequestHandler; page: RequestHandler };
let loading: Promise<SwaggerHandlers> | undefined;

/**
 * Swagger UI's handlers, made on the first visit to /docs: loading swagger-ui-express took
 * about a tenth of a second of every start, and most processes never serve the page.
 */
const swaggerUi = (): Promise<SwaggerHandlers> =>
  (loading ??= import('swagger-ui-express').then(({ default: ui }) => {
    // serveFiles, not serve: serve keeps its settings in a module-level variable shared by every app.
    const [init] = ui.serveFiles(undefined, UI_OPTIONS) as RequestHandler[];
    // The files whole: serve-static would answer a Range with 206 or 416, which the document does not describe (and Swagger UI never asks).
    const [, assets] = ui.serveWithOptions({ acceptRanges: false }) as RequestHandler[];
    return { init: init!, assets: assets!, page: ui.setup(undefined, UI_OPTIONS) };
  }).catch((error: unknown) => {
    loading = undefined; // the next visit tries again
    throw error;
  }));
