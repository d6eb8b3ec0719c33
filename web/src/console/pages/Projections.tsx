import { useEffect, useRef, useState } from 'preact/hooks';
import { slug, time } from '../../shared/format.js';
import { Errors, Loading, PageHead } from '../components/ui.js';
import { RunnerRow } from '../components/RunnerRow.js';
import { useAction, useLoad, useTitle } from '../hooks.js';
import { api } from '../session.js';
import type { Runner } from '../types.js';

type Process = { id: string; pid: number; host: string; port: number | null };
export type Tracked = Map<string, { before: string | null }>;
type LogLine = { at: string; text: string; tone: 'ok' | 'bad' | '' };

const POLL_MS = 1500;

const load = async (signal: AbortSignal) => {
  const [runners, cluster] = await Promise.all([api.get<Runner[]>('/admin/projections', undefined, signal), api.get<{ processes: Process[] }>('/admin/cluster', undefined, signal)]);
  return { runners, processes: cluster.processes };
};

/**
 * Every projection and process manager, live (GET /admin/projections every 1.5 s): position,
 * lag, status, the process holding it; a rebuild per projection or of all, its progress shown
 * from the rebuild's own record until it is swapped in.
 */
export const ProjectionsPage = () => {
  useTitle('Projections');
  const { data, error, loading } = useLoad(load, [], POLL_MS);
  const action = useAction();
  const [tracked, setTracked] = useState<Tracked>(new Map());
  const [log, setLog] = useState<LogLine[]>([]);
  const say = (text: string, tone: LogLine['tone'] = '') => setLog((lines) => [{ at: new Date().toISOString(), text, tone }, ...lines].slice(0, 6));
  const trackedRef = useRef(tracked);
  trackedRef.current = tracked;

  // A tracked rebuild is over once the projection's last rebuild is a new one and no longer running.
  useEffect(() => {
    if (!data || trackedRef.current.size === 0) return;
    const still = new Map(trackedRef.current);
    const done: Runner[] = [];
    for (const runner of data.runners) {
      const mark = still.get(runner.name);
      const last = runner.lastRebuild;
      if (!mark || !last || last.startedAt === mark.before || last.status === 'running') continue;
      still.delete(runner.name);
      if (last.status === 'done') done.push(runner);
      else say(`${runner.name}: the rebuild failed: ${last.error ?? 'no reason given'}`, 'bad');
    }
    const [one] = done;
    if (done.length === 1 && one) say(`${one.name} rebuilt: ${one.lastRebuild!.events} events read, swapped in; now ${one.status}.`, 'ok');
    else if (done.length > 1) say(`${done.length} projections rebuilt and swapped in (${done.map((r) => r.name).join(', ')}); now ${done.every((r) => r.status === 'live') ? 'live' : 'catching up'}.`, 'ok');
    if (still.size !== trackedRef.current.size) setTracked(still);
  }, [data]);

  const rebuild = async (name: string) => {
    const projections = (data?.runners ?? []).filter((r) => r.kind === 'projection' && (name === 'all' || r.name === name));
    const answer = await action.run(() => api.post<{ name: string; status: string }>(`/admin/projections/${encodeURIComponent(name)}/rebuild`));
    if (!answer) return;
    setTracked((current) => new Map([...current, ...projections.map((p) => [p.name, { before: p.lastRebuild?.startedAt ?? null }] as const)]));
    say(name === 'all' ? `Rebuild of all ${projections.length} projections started.` : `Rebuild of ${name} started.`);
  };

  const owners = new Map((data?.processes ?? []).map((p) => [p.id, `${p.host}${p.port ? `:${p.port}` : ''} (pid ${p.pid})`]));
  const projections = data?.runners.filter((r) => r.kind === 'projection') ?? [];
  const managers = data?.runners.filter((r) => r.kind === 'process-manager') ?? [];
  const busy = action.busy || tracked.size > 0;
  return (
    <>
      <PageHead title="Projections and process managers">
        <span class="muted small live-dot">Live · every {POLL_MS / 1000} s</span>
        <button type="button" onClick={() => rebuild('all')} disabled={busy || projections.length === 0}>
          Rebuild all projections
        </button>
      </PageHead>
      <Errors lines={error} />
      <Errors lines={action.error} title="Rebuild" />
      <div class="rebuild-log" aria-live="polite" aria-label="Rebuild progress">
        {log.map((line) => (
          <p key={line.at + line.text} class={`log-line ${line.tone}`}>
            <span class="mono muted">{time(line.at)}</span> {line.text}
          </p>
        ))}
      </div>
      {!data && loading && <Loading what="projections" />}
      {data && (
        <>
          <RunnerTable title="Projections" runners={projections} owners={owners} tracked={tracked} busy={action.busy} onRebuild={rebuild} />
          <RunnerTable title="Process managers" runners={managers} owners={owners} tracked={tracked} busy={action.busy} />
        </>
      )}
    </>
  );
};

const RunnerTable = (props: { title: string; runners: Runner[]; owners: Map<string, string>; tracked: Tracked; busy: boolean; onRebuild?: (name: string) => void }) => (
  <section class="panel flush" aria-labelledby={`${slug(props.title)}-title`}>
    <h2 id={`${slug(props.title)}-title`} class="panel-title">
      {props.title} <span class="muted small">({props.runners.length})</span>
    </h2>
    <table class="data">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" class="num">Position</th>
          <th scope="col" class="num">Lag</th>
          <th scope="col">Status</th>
          <th scope="col">Held by</th>
          <th scope="col">{props.onRebuild ? 'Rebuild' : <span class="visually-hidden">Rebuild (process managers have none)</span>}</th>
        </tr>
      </thead>
      <tbody>
        {props.runners.map((runner) => (
          <RunnerRow key={runner.name} runner={runner} owner={runner.owner ? (props.owners.get(runner.owner) ?? runner.owner.slice(0, 8)) : null} tracked={props.tracked.has(runner.name)} busy={props.busy} onRebuild={props.onRebuild} />
        ))}
      </tbody>
    </table>
  </section>
);
