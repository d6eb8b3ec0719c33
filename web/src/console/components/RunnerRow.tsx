import { dateTime } from '../../shared/format.js';
import type { Runner } from '../types.js';
import { Badge } from './ui.js';

/** A rebuild under way: how far it has read of the log as it stood (indeterminate until its first heartbeat). */
const Progress = ({ runner }: { runner: Runner }) => {
  const last = runner.lastRebuild;
  const running = last?.status === 'running';
  const head = running ? last.head : 0;
  const percent = head > 0 ? Math.min(100, Math.round((last!.position / head) * 100)) : null;
  return (
    <div class="progress-cell">
      <progress max={100} {...(percent === null ? {} : { value: percent })} aria-label={`Rebuild of ${runner.name}`} />
      <span class="small">{percent === null ? 'Rebuilding: starting…' : `Rebuilding: ${last!.events} events, ${percent}% of the log`}</span>
    </div>
  );
};

const lastRebuildText = (runner: Runner) => {
  const last = runner.lastRebuild;
  if (!last) return null;
  if (last.status === 'failed') return `last rebuild failed: ${last.error ?? ''}`;
  if (last.status === 'done') return `rebuilt ${dateTime(last.finishedAt)} (${last.events} events)`;
  return null;
};

export const RunnerRow = ({ runner, owner, tracked, busy, onRebuild }: { runner: Runner; owner: string | null; tracked: boolean; busy: boolean; onRebuild?: ((name: string) => void) | undefined }) => {
  const rebuilding = tracked || runner.lastRebuild?.status === 'running';
  const lag = runner.lag === null ? '?' : `${runner.lag}${runner.lagExact ? '' : '+'}`;
  return (
    <tr data-runner={runner.name}>
      <th scope="row">
        <span class="runner-name">{runner.name}</span>
        {runner.collection && <span class="muted small mono"> {runner.collection}</span>}
      </th>
      <td class="num mono">{runner.position}</td>
      <td class={`num mono${runner.lag ? ' lagging' : ''}`} title={runner.lagError}>
        {lag}
      </td>
      <td>
        <span class="runner-status">
          <Badge status={runner.status} />
        </span>
        {lastRebuildText(runner) && <div class="muted small">{lastRebuildText(runner)}</div>}
      </td>
      <td class="small">
        {owner ?? <span class="muted">unassigned</span>}
        {runner.epoch !== null && <span class="muted"> · epoch {runner.epoch}</span>}
      </td>
      <td>
        {rebuilding ? (
          <Progress runner={runner} />
        ) : onRebuild ? (
          <button type="button" class="secondary small" disabled={busy} onClick={() => onRebuild(runner.name)} aria-label={`Rebuild ${runner.name}`}>
            Rebuild
          </button>
        ) : null}
      </td>
    </tr>
  );
};
