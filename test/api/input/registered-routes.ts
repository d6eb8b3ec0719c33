import type { ChainedApp } from '../../../src/api/request-chain.js';

/** The app's own list of routes, which the route table (route-table.ts) must cover line for line. */

type Layer = {
  route?: { path: unknown; methods: Record<string, boolean> };
  /** A router's layers, or the routes a dispatch middleware serves (src/api/route-dispatch.ts). */
  handle?: { stack?: Layer[]; routes?: Array<{ method: string; path: string }>; handlers?: Array<Layer['handle']> };
  rawPath?: unknown;
};

/** "METHOD /path" of every route the app serves, read from its chain's stages (src/api/request-chain.ts), the routers and dispatch middlewares in them. */
export const registeredRoutes = (app: ChainedApp): string[] => {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${pathOf(layer.route.path)}`.replace(/(.)\/$/, '$1');
        for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle?.routes) {
        for (const route of layer.handle.routes) found.push(`${route.method} ${`${prefix}${route.path}`.replace(/(.)\/$/, '$1')}`);
      } else if (layer.handle?.handlers) {
        // A series of middlewares (src/api/middleware-series.ts) in one layer: each read as a layer at the same place.
        const mount = pathOf(layer.rawPath ?? '/');
        walk(layer.handle.handlers.map((handle) => ({ handle })), mount === '/' ? prefix : `${prefix}${mount}`);
      } else if (layer.handle?.stack) {
        const mount = pathOf(layer.rawPath);
        walk(layer.handle.stack, mount === '/' ? prefix : `${prefix}${mount}`);
      }
    }
  };
  // A stage is read as the layer app.use(prefix, handler) made of it.
  walk(
    app.chain.stages.map((stage) => ({ handle: (stage.mounted ?? stage) as Layer['handle'], rawPath: stage.prefix ?? '/' })),
    '',
  );
  return found;
};

const pathOf = (path: unknown): string => {
  if (typeof path !== 'string') throw new Error(`a route path the table cannot read: ${String(path)}`);
  return path;
};
