/**
 * What the primary of `WORKERS=n` and its workers tell each other over node:cluster's channel:
 * the steps of a stop (see workers.ts, worker-stop.ts), a worker that serves, and the
 * connections the primary hands out (connection-handout.ts, the socket beside the message), and
 * a worker's refusal to start (`line`: the primary prints each refusal once, not once a worker).
 */
export type ShopMessage = { shop: 'stop-listening' | 'stopped-listening' | 'drain' | 'serving' | 'connection' | 'took' | 'refused'; id?: number; line?: string };

export const isShopMessage = (message: unknown, shop: ShopMessage['shop']): boolean =>
  typeof message === 'object' && message !== null && (message as Partial<ShopMessage>).shop === shop;
