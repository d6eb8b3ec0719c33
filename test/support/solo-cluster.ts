import { hostname } from 'node:os';
import type { ClusterSource } from '../../src/cluster/view.js';

/**
 * A process that runs every runner itself, without leases: what the in-process test app is.
 * Its runners are started and stopped by the tests, and the view reports them as its own.
 */
export const soloCluster = (runners: readonly string[], id = 'test-process'): ClusterSource => {
  const startedAt = new Date().toISOString();
  return {
    id,
    heldLeases: () => runners.map((runner) => ({ runner, owner: id, epoch: 1 })),
    listLeases: async () => runners.map((runner) => ({ _id: runner, owner: id, epoch: 1, expiresAt: Date.now() + 60_000, held: true })),
    liveMembers: async () => [{ _id: id, pid: process.pid, host: hostname(), port: null, startedAt, lastSeenAt: Date.now(), expiresAt: Date.now() + 60_000 }],
    leaseEvents: () => [],
  };
};
