import type { AuditedEvent } from '../types.js';

/**
 * Where everything of an order's timeline picture goes: one lane per stream, each event a
 * column of its own in log order (spaced by the time since the previous one, on a log scale,
 * so a saga's milliseconds and a dispatch days later both read), causation arrows from an
 * event to the events whose metadata names it as their cause.
 */

export type Lane = { stream: string; kind: string; title: string; detail: string; short: string; color: string; y: number; index: number };
export type Mark = { event: AuditedEvent; index: number; x: number; y: number; lane: Lane; labelAbove: boolean; offsetMs: number };
export type Arrow = { from: Mark; to: Mark };
export type Tick = { x: number; text: string; gap: boolean };
export type Layout = { lanes: Lane[]; marks: Mark[]; arrows: Arrow[]; ticks: Tick[]; width: number; height: number; axisY: number; left: number; start: number };

export const LEFT = 176;
const TOP = 14;
export const LANE_H = 74;
const FIRST = 80;
const MIN_GAP = 86;
const MAX_GAP = 220;
const AXIS_H = 58;
/** A pause this long between two events is drawn as a break in the axis. */
export const BREAK_MS = 5000;

const KINDS: Record<string, { title: string; color: string; rank: number }> = {
  subscription: { title: 'Subscription', color: '#0e7490', rank: 0 },
  order: { title: 'Order', color: '#2347c5', rank: 1 },
  cart: { title: 'Cart', color: '#64748b', rank: 2 },
  payment: { title: 'Payment', color: '#1b7a3d', rank: 3 },
  inventory: { title: 'Inventory', color: '#b45309', rank: 4 },
  shipment: { title: 'Shipment', color: '#7c3aed', rank: 5 },
};

/** `inventory-MUG-1` → kind `inventory`, id `MUG-1`. */
export const splitStream = (stream: string): { kind: string; id: string } => {
  const dash = stream.indexOf('-');
  return dash < 0 ? { kind: stream, id: '' } : { kind: stream.slice(0, dash), id: stream.slice(dash + 1) };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-/i;

export const laneOf = (stream: string) => {
  const { kind, id } = splitStream(stream);
  const known = KINDS[kind] ?? { title: kind.charAt(0).toUpperCase() + kind.slice(1), color: '#475569', rank: 9 };
  return { kind, title: known.title, detail: UUID.test(id) ? id.slice(0, 8) : id, color: known.color, rank: known.rank };
};

/** +0 ms, +45 ms, +1.2 s, +3 min 5 s, +2 h 4 min, +3 d 2 h. */
export const offsetText = (ms: number): string => {
  if (ms < 1000) return `+${Math.round(ms)} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `+${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `+${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `+${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
};

const gapFor = (ms: number) => Math.min(MAX_GAP, MIN_GAP + 13 * Math.log2(1 + Math.max(0, ms) / 5));

/** About how wide an event's label is at 11.5px (for placing labels clear of each other). */
const labelWidth = (text: string) => text.length * 6.6 + 12;

export const layout = (timeline: readonly AuditedEvent[]): Layout => {
  const events = [...timeline].sort((a, b) => a.position - b.position);
  const streams = [...new Set(events.map((e) => e.streamName))].sort((a, b) => laneOf(a).rank - laneOf(b).rank || a.localeCompare(b));
  const lanes: Lane[] = streams.map((stream, index) => {
    const { kind, title, detail, color } = laneOf(stream);
    const short = detail === splitStream(stream).id ? stream : `${kind}-${detail}…`;
    return { stream, kind, title, detail, short, color, index, y: TOP + index * LANE_H + LANE_H / 2 };
  });
  const laneByStream = new Map(lanes.map((lane) => [lane.stream, lane]));
  const start = events.length ? Date.parse(events[0]!.occurredAt) : 0;
  const marks: Mark[] = [];
  const lastInLane = new Map<string, Mark>();
  let x = LEFT + FIRST;
  events.forEach((event, index) => {
    const at = Date.parse(event.occurredAt);
    if (index > 0) x += gapFor(at - Date.parse(events[index - 1]!.occurredAt));
    const lane = laneByStream.get(event.streamName)!;
    const previous = lastInLane.get(lane.stream);
    const crowded = previous && x - previous.x < (labelWidth(previous.event.type) + labelWidth(event.type)) / 2;
    const mark: Mark = { event, index, x, y: lane.y, lane, labelAbove: crowded ? !previous.labelAbove : true, offsetMs: at - start };
    lastInLane.set(lane.stream, mark);
    marks.push(mark);
  });
  const byId = new Map(marks.map((m) => [m.event.eventId, m]));
  const arrows: Arrow[] = [];
  for (const mark of marks) {
    const cause = mark.event.metadata.causationId;
    const from = typeof cause === 'string' ? byId.get(cause) : undefined;
    if (from && from !== mark) arrows.push({ from, to: mark });
  }
  const ticks: Tick[] = marks.map((m, i) => ({
    x: m.x,
    text: offsetText(m.offsetMs),
    gap: i > 0 && m.offsetMs - marks[i - 1]!.offsetMs >= BREAK_MS,
  }));
  const axisY = TOP + lanes.length * LANE_H + 8;
  const width = Math.max(720, x + 100);
  return { lanes, marks, arrows, ticks, width, height: axisY + AXIS_H, axisY, left: LEFT, start };
};

/** The path of a causation arrow: an S-curve between lanes, an arc over the lane within one; it ends at the effect's circle. */
export const arrowPath = ({ from, to }: Arrow, radius: number): string => {
  if (from.y === to.y) {
    const lift = Math.min(30, 14 + (to.x - from.x) / 12);
    return `M ${from.x} ${from.y - radius} C ${from.x} ${from.y - lift - radius}, ${to.x} ${to.y - lift - radius}, ${to.x} ${to.y - radius - 2}`;
  }
  const endX = to.x - radius - 2;
  const dx = Math.max(24, (endX - from.x) * 0.5);
  const startX = from.x + radius;
  return `M ${startX} ${from.y} C ${startX + dx} ${from.y}, ${endX - dx} ${to.y}, ${endX} ${to.y}`;
};
