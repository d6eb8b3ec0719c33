import { time } from '../../shared/format.js';
import type { Layout } from './layout.js';
import type { Moment } from './TimelinePicture.js';

const actorOf = (metadata: Record<string, unknown>) => (typeof metadata.actor === 'string' ? metadata.actor.replace(/:([0-9a-f]{8})[0-9a-f-]{28}$/i, ':$1…') : '—');

/** The timeline's events as a table: what the picture shows, for screen readers and the keyboard, with each event's data. */
export const EventTable = ({ plan, moment, selected, onSelect }: { plan: Layout; moment: Moment; selected: string | null; onSelect: (eventId: string) => void }) => {
  const byId = new Map(plan.marks.map((m) => [m.event.eventId, m]));
  const chosen = selected ? byId.get(selected) : undefined;
  return (
    <div class="event-table">
      <div class="panel flush">
        <table class="data compact">
          <caption>Events of the timeline, in log order</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Stream</th>
              <th scope="col">Event</th>
              <th scope="col">Caused by</th>
              <th scope="col">Actor</th>
              <th scope="col">As of the slider</th>
            </tr>
          </thead>
          <tbody>
            {plan.marks.map((mark) => {
              const cause = typeof mark.event.metadata.causationId === 'string' ? byId.get(mark.event.metadata.causationId) : undefined;
              const done = !moment || Date.parse(mark.event.occurredAt) <= moment.time;
              return (
                <tr key={mark.event.eventId} class={`${done ? '' : 'future'}${selected === mark.event.eventId ? ' selected' : ''}`}>
                  <td>{mark.index + 1}</td>
                  <td class="nowrap">
                    <span class="mono">{time(mark.event.occurredAt)}</span> <span class="muted small">{mark.offsetMs ? `(${plan.ticks[mark.index]!.text})` : ''}</span>
                  </td>
                  <td class="nowrap" title={mark.event.streamName}>
                    <span class="dot" style={{ background: mark.lane.color }} aria-hidden="true" /> {mark.lane.title} <span class="mono small muted">{mark.lane.detail}</span>
                  </td>
                  <td>
                    <button type="button" class="link" aria-pressed={selected === mark.event.eventId} onClick={() => onSelect(mark.event.eventId)}>
                      {mark.event.type}
                    </button>
                  </td>
                  <td>{cause ? `#${cause.index + 1} ${cause.event.type}` : <span class="muted">{mark.event.metadata.causationId === mark.event.metadata.correlationId ? 'the request' : 'outside the timeline'}</span>}</td>
                  <td class="small">{actorOf(mark.event.metadata)}</td>
                  <td>{done ? <span class="badge ok">happened</span> : <span class="badge">not yet</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {chosen && (
        <section class="panel event-detail" aria-label={`Event ${chosen.index + 1}: ${chosen.event.type}`} aria-live="polite">
          <h3>
            #{chosen.index + 1} {chosen.event.type} <span class="muted small">{chosen.event.streamName} · revision {chosen.event.revision} · position {chosen.event.position}</span>
          </h3>
          <div class="two">
            <div>
              <h4>Data</h4>
              <pre>{JSON.stringify(chosen.event.data, null, 2)}</pre>
            </div>
            <div>
              <h4>Metadata</h4>
              <pre>{JSON.stringify({ eventId: chosen.event.eventId, ...chosen.event.metadata }, null, 2)}</pre>
            </div>
          </div>
        </section>
      )}
    </div>
  );
};
