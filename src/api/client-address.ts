/**
 * One key per client however its address is written: an IPv4 address and its IPv6-mapped form
 * (`::ffff:192.0.2.1`) are one client, and an IPv6 client is its /64 (what one subscriber is
 * given: counted address by address, one /64 is 2^64 clients). A port or a zone a proxy wrote
 * with it (`192.0.2.1:1234`, `[2001:db8::1]:443`, `fe80::1%eth0`) is not part of the client.
 */
export const addressKey = (written: string): string => {
  const address = written
    .trim()
    .replace(/^\[([^\]]+)\](?::\d+)?$/, '$1')
    .replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/, '$1')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
};

/** The client's address as the request gives it (the gateway's word for it under TRUST_PROXY), before addressKey. */
export const addressOf = (req: { ip?: string | undefined; socket: { remoteAddress?: string | undefined } }): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
