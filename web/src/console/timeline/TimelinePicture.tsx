import { time } from '../../shared/format.js';
import { arrowPath, LANE_H, type Layout, type Mark } from './layout.js';

const R = 7;

/** When the slider's moment is: everything at or before it has happened. */
export type Moment = { time: number; label: string } | null;

const happened = (mark: Mark, moment: Moment) => !moment || Date.parse(mark.event.occurredAt) <= moment.time;

const summaryOf = (plan: Layout, orderId: string) => {
  const first = plan.marks[0]?.event;
  const last = plan.marks[plan.marks.length - 1]?.event;
  const lanes = plan.lanes.map((l) => `${l.title}${l.detail ? ` ${l.detail}` : ''}`).join(', ');
  return `Timeline of order ${orderId}: ${plan.marks.length} events across ${plan.lanes.length} streams (${lanes}), from ${first?.type ?? '—'} at ${time(first?.occurredAt)} to ${last?.type ?? '—'} at ${time(last?.occurredAt)}, with ${plan.arrows.length} causation arrows. The table below lists the same events.`;
};

/**
 * The picture of an order's life: lanes (one per stream), events as labelled marks along a
 * shared time axis, causation arrows between them; events after the chosen moment faded.
 */
export const TimelinePicture = ({ plan, orderId, moment, selected, onSelect }: { plan: Layout; orderId: string; moment: Moment; selected: string | null; onSelect: (eventId: string) => void }) => {
  const cut = moment ? plan.marks.filter((m) => happened(m, moment)).pop() : undefined;
  const next = cut ? plan.marks[cut.index + 1] : undefined;
  const cutX = cut ? (next ? (cut.x + next.x) / 2 : cut.x + 40) : null;
  return (
    <svg class="timeline-svg" width={plan.width} height={plan.height} style={{ minWidth: `${Math.round(plan.width * 0.8)}px` }} viewBox={`0 0 ${plan.width} ${plan.height}`} role="img" aria-label={summaryOf(plan, orderId)}>
      <defs>
        <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse" markerUnits="userSpaceOnUse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#5a6475" />
        </marker>
        <marker id="arrowhead-future" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse" markerUnits="userSpaceOnUse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#c3c9d4" />
        </marker>
      </defs>
      {plan.lanes.map((lane) => (
        <g key={lane.stream} class="lane" data-stream={lane.stream}>
          <title>{lane.stream}</title>
          <rect x={0} y={lane.y - LANE_H / 2} width={plan.width} height={LANE_H} class={lane.index % 2 ? 'lane-bg odd' : 'lane-bg'} />
          <rect x={0} y={lane.y - LANE_H / 2} width={4} height={LANE_H} fill={lane.color} />
          <text x={16} y={lane.y - 3} class="lane-title">
            {lane.title}
          </text>
          <text x={16} y={lane.y + 13} class="lane-detail">
            {lane.short.length > 24 ? `${lane.short.slice(0, 23)}…` : lane.short}
          </text>
          <line x1={plan.left - 10} x2={plan.width - 20} y1={lane.y} y2={lane.y} class="lane-line" stroke={lane.color} />
        </g>
      ))}
      <line x1={plan.left - 10} x2={plan.left - 10} y1={0} y2={plan.axisY} class="divider" />
      <g class="axis">
        <line x1={plan.left - 10} x2={plan.width - 20} y1={plan.axisY} y2={plan.axisY} />
        <text x={16} y={plan.axisY + 18} class="axis-start">
          from {time(plan.marks[0]?.event.occurredAt)}
        </text>
        {plan.ticks.map((tick, i) => (
          <g key={i}>
            <line x1={tick.x} x2={tick.x} y1={plan.axisY - 4} y2={plan.axisY + 4} />
            <text x={tick.x} y={plan.axisY + 18} text-anchor="middle" class="tick">
              {tick.text}
            </text>
            {tick.gap && i > 0 && (
              <text x={(tick.x + plan.ticks[i - 1]!.x) / 2} y={plan.axisY + 5} text-anchor="middle" class="axis-break">
                ≈
              </text>
            )}
          </g>
        ))}
        <text x={plan.width - 20} y={plan.axisY + 40} text-anchor="end" class="axis-note">
          time since the order was placed (spacing grows with the pause between events)
        </text>
      </g>
      <g class="arrows">
        {plan.arrows.map((arrow) => {
          const future = !happened(arrow.to, moment);
          return <path key={`${arrow.from.index}-${arrow.to.index}`} d={arrowPath(arrow, R)} class={future ? 'arrow future' : 'arrow'} marker-end={future ? 'url(#arrowhead-future)' : 'url(#arrowhead)'} />;
        })}
      </g>
      {plan.marks.map((mark) => {
        const done = happened(mark, moment);
        const isSelected = selected === mark.event.eventId;
        return (
          <g
            key={mark.event.eventId}
            class={`mark${done ? '' : ' future'}${isSelected ? ' selected' : ''}`}
            data-event={mark.event.type}
            data-happened={done ? 'yes' : 'no'}
            onClick={() => onSelect(mark.event.eventId)}
          >
            <line x1={mark.x} x2={mark.x} y1={mark.y + R} y2={plan.axisY} class="drop" />
            <circle cx={mark.x} cy={mark.y} r={isSelected ? R + 2 : R} fill={done ? mark.lane.color : '#fff'} stroke={mark.lane.color} />
            <text x={mark.x} y={mark.labelAbove ? mark.y - 14 : mark.y + 24} text-anchor="middle" class="mark-label">
              {mark.event.type}
            </text>
          </g>
        );
      })}
      {cutX !== null && (
        <g class="as-of-line">
          <line x1={cutX} x2={cutX} y1={0} y2={plan.axisY} />
          <text x={cutX + 4} y={10} class="as-of-text">
            as of
          </text>
        </g>
      )}
    </svg>
  );
};
