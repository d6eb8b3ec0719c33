/**
 * Where the simulated carrier posts its reports: this process's own HTTP server, once it
 * listens (a report due before then fails and is retried by its job).
 */
export class SelfEndpoint {
  private port: number | undefined;

  constructor(private readonly host: string) {}

  listening(port: number): void {
    this.port = port;
  }

  /** Posts a report; resolves with the HTTP status. */
  async post(path: string, body: string, headers: Record<string, string>): Promise<number> {
    if (this.port === undefined) throw new Error('the server does not listen yet');
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}${path}`;
    const res = await fetch(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status;
  }
}
