import { useEffect, useMemo, useState } from 'preact/hooks';
import { time } from '../../shared/format.js';
import { Badge, Errors, Loading } from '../components/ui.js';
import { errorLines } from '../hooks.js';
import { api } from '../session.js';
import type { OrderAudit } from '../types.js';
import { EventTable } from './EventTable.js';
import { layout } from './layout.js';
import { TimelinePicture, type Moment } from './TimelinePicture.js';

/** The distinct times of the order's events (the slider's stops), each with the events that happened then. */
const momentsOf = (audit: OrderAudit) => {
  const byTime = new Map<string, string[]>();
  for (const event of [...audit.timeline].sort((a, b) => a.position - b.position)) byTime.set(event.occurredAt, [...(byTime.get(event.occurredAt) ?? []), event.type]);
  return [...byTime].map(([at, types]) => ({ at, time: Date.parse(at), label: types.join(', ') })).sort((a, b) => a.time - b.time);
};

/**
 * An order's audit as a picture (GET /admin/audit/orders/:id) and a slider over its events'
 * times: the order as of the moment chosen (asked again with ?asOf=), later events faded.
 */
export const OrderTimeline = ({ audit, loading, error }: { audit: OrderAudit | null; loading: boolean; error: string[] | null }) => {
  const plan = useMemo(() => (audit ? layout(audit.timeline) : null), [audit]);
  const moments = useMemo(() => (audit ? momentsOf(audit) : []), [audit]);
  const last = moments.length - 1;
  const [stop, setStop] = useState<number | null>(null);
  const [then, setThen] = useState<{ at: string; status: string } | null>(null);
  const [thenError, setThenError] = useState<string[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const index = stop === null || stop > last ? last : stop;
  const chosen = moments[index];
  const isNow = index === last;

  useEffect(() => {
    if (!audit || !chosen || isNow) return;
    const controller = new AbortController();
    setThenError(null);
    api.get<OrderAudit>(`/admin/audit/orders/${audit.orderId}`, { asOf: chosen.at }, controller.signal).then(
      (answer) => setThen({ at: chosen.at, status: String(answer.state.status ?? 'unknown') }),
      (caught: unknown) => controller.signal.aborted || setThenError(errorLines(caught)),
    );
    return () => controller.abort();
  }, [audit, chosen?.at, isNow]);

  if (error) return <Errors lines={error} title="The order's timeline" />;
  if (!audit || !plan || !chosen) return loading ? <Loading what="the timeline" /> : null;

  const status = isNow ? String(audit.state.status ?? 'unknown') : then?.at === chosen.at ? then.status : null;
  const moment: Moment = isNow ? null : { time: chosen.time, label: chosen.label };
  return (
    <div class="timeline">
      <div class="as-of panel">
        <label for="as-of-slider">Show the order as of</label>
        <input
          id="as-of-slider"
          type="range"
          min={0}
          max={last}
          step={1}
          value={index}
          aria-valuetext={`${time(chosen.at)}, after ${chosen.label}${isNow ? ' (now)' : ''}`}
          onInput={(e) => setStop(Number(e.currentTarget.value))}
        />
        <div class="as-of-readout" aria-live="polite" aria-atomic="true">
          <strong>{isNow ? 'Now' : `As of ${time(chosen.at)}`}</strong> <span class="muted">· after {chosen.label} · the order is</span>{' '}
          {status ? <Badge status={status} /> : <span class="muted">…</span>}
          {!isNow && (
            <span class="muted">
              {' '}
              · {plan.marks.filter((m) => Date.parse(m.event.occurredAt) > chosen.time).length} later events faded
            </span>
          )}
        </div>
        {!isNow && (
          <button type="button" class="secondary small" onClick={() => setStop(null)}>
            Back to now
          </button>
        )}
        <Errors lines={thenError} />
      </div>
      <div class="timeline-scroll panel flush" tabIndex={0} role="region" aria-label="Timeline picture (scrolls sideways when wider than the page)">
        <TimelinePicture plan={plan} orderId={audit.orderId} moment={moment} selected={selected} onSelect={setSelected} />
      </div>
      <EventTable plan={plan} moment={moment} selected={selected} onSelect={setSelected} />
    </div>
  );
};
