import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * docker-compose.yml cannot run here (no Docker engine), so its shape is checked as written:
 * three app replicas that form one shop on EventStoreDB + MongoDB, one signing key among them,
 * and a gateway that routes /api/v1 to every one of them.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
type Service = { image?: string; build?: string; environment?: Record<string, string>; volumes?: string[]; depends_on?: Record<string, unknown>; ports?: string[] };

describe('the production shape (docker-compose.yml and the gateway)', () => {
  const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const nginx = readFileSync(`${ROOT}deploy/gateway/nginx.conf`, 'utf8');
  const apps = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

  it('runs three app replicas on EventStoreDB and MongoDB, with the same settings and one DATA_DIR for the signing key', () => {
    expect(apps.map(([name]) => name)).to.deep.equal(['app-1', 'app-2', 'app-3']);
    for (const [, app] of apps) {
      expect(app.environment).to.deep.equal(apps[0]![1].environment);
      expect(app.environment!.EVENTSTORE_URL).to.match(/^esdb:\/\/eventstore:2113/);
      expect(app.environment!.MONGODB_URL).to.match(/^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
      expect(app.environment!.TRUST_PROXY).to.equal('true');
      expect(app.environment!.LEASE_MS).to.match(/^\$\{LEASE_MS:-\d+\}$/);
      expect(app.volumes).to.deep.equal(['app-data:/data']);
      expect(Object.keys(app.depends_on ?? {})).to.have.members(['eventstore', 'mongo']);
      expect(app.ports, 'replicas are reached through the gateway').to.equal(undefined);
    }
  });

  it('puts a gateway in front: the one published entry point, routing /api/v1 to every replica', () => {
    const gateway = compose.services.gateway!;
    expect(gateway.ports).to.deep.equal(['8080:8080']);
    expect(gateway.volumes).to.deep.equal(['./deploy/gateway/nginx.conf:/etc/nginx/conf.d/default.conf:ro']);
    expect(Object.keys(gateway.depends_on ?? {})).to.have.members(apps.map(([name]) => name));
    const upstream = /upstream shop \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    const servers = [...upstream.matchAll(/server (\S+):3000/g)].map((m) => m[1]);
    expect(servers).to.deep.equal(apps.map(([name]) => name));
    expect(nginx).to.match(/location \/api\/v1\/ \{\s*proxy_pass http:\/\/shop;/);
    expect(nginx).to.match(/listen 8080;/);
    // Never a write sent twice: nginx retries POST/PATCH/PUT/DELETE only when they never reached a replica.
    expect(nginx).not.to.include('non_idempotent');
  });
});
