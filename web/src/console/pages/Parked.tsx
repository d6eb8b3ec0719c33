import { useState } from 'preact/hooks';
import { dateTime } from '../../shared/format.js';
import { Empty, Errors, Loading, PageHead, Pager, PastTheEnd, count } from '../components/ui.js';
import { errorLines, useLoad, useTitle } from '../hooks.js';
import { api } from '../session.js';
import type { Paged, Parked } from '../types.js';

const PAGE_SIZE = 20;

/** What a parked document is about, in a few words: the event of a process manager, or a job of a kind. */
const whatOf = (kind: 'event' | 'job', item: Parked) =>
  kind === 'event'
    ? `${String(item.eventType ?? 'event')} → ${String(item.processManager ?? '?')} (${String(item.streamName ?? '')})`
    : `${String(item.kind ?? 'job')}${item.payload && typeof item.payload === 'object' && 'orderId' in item.payload ? ` for order ${String((item.payload as { orderId: unknown }).orderId).slice(0, 8)}` : ''}`;

/**
 * One list of parked work (GET /admin/parked-events or -jobs), each with its error, a Replay (a 409,
 * it still fails, is shown as it is) and a Discard: never to run again, kept with the reason given
 * (POST .../discard; the reason is required, as the route requires it).
 */
const ParkedList = ({ kind, title, route }: { kind: 'event' | 'job'; title: string; route: string }) => {
  const [page, setPage] = useState(1);
  const { data, error, loading, reload } = useLoad((signal) => api.get<Paged<Parked>>(route, { page, pageSize: PAGE_SIZE }, signal), [page], 5000);
  const [outcome, setOutcome] = useState<{ tone: 'success' | 'error'; lines: string[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  /** The row whose discard form is open, and the reason typed into it. */
  const [discarding, setDiscarding] = useState<string | null>(null);
  const [reason, setReason] = useState('');

  const replay = async (id: string) => {
    setBusy(id);
    try {
      await api.post(`${route}/${encodeURIComponent(id)}/replay`);
      setOutcome({ tone: 'success', lines: [kind === 'event' ? `Replayed ${id}: the saga took it.` : `${id} is queued again: it runs shortly.`] });
      reload();
    } catch (caught) {
      setOutcome({ tone: 'error', lines: [`Replay of ${id}:`, ...errorLines(caught)] });
    } finally {
      setBusy(null);
    }
  };

  const discard = async (event: Event, id: string) => {
    event.preventDefault();
    setBusy(id);
    try {
      await api.post(`${route}/${encodeURIComponent(id)}/discard`, { reason: reason.trim() });
      setOutcome({ tone: 'success', lines: [`Discarded ${id}: it will not run again (kept with your reason among the discarded ${kind}s).`] });
      setDiscarding(null);
      setReason('');
      reload();
    } catch (caught) {
      setOutcome({ tone: 'error', lines: [`Discard of ${id}:`, ...errorLines(caught)] });
    } finally {
      setBusy(null);
    }
  };

  const headingId = `parked-${kind}-title`;
  return (
    <section class="panel flush" aria-labelledby={headingId}>
      <h2 id={headingId} class="panel-title">
        {title} <span class="muted small">({data?.total ?? '…'})</span>
      </h2>
      <Errors lines={error} />
      <div aria-live="polite" class="notice">
        {outcome && <p class={`alert ${outcome.tone}`}>{outcome.lines.join(' ')}</p>}
      </div>
      {!data && loading && <Loading what={title.toLowerCase()} />}
      {data && data.total === 0 && <Empty>Nothing parked. Everything that failed was retried successfully.</Empty>}
      {/* A replay or discard can empty the last page the operator is on. */}
      {data && data.items.length === 0 && data.total > 0 && <PastTheEnd page={page} list={`the ${title.toLowerCase()} (${count(data.total, kind)})`} first={() => setPage(1)} />}
      {data && data.items.length > 0 && (
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Parked</th>
              <th scope="col">What</th>
              <th scope="col">Error</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((item) => (
              <tr key={item.id}>
                <td class="nowrap">{dateTime(item.parkedAt)}</td>
                <td>
                  {whatOf(kind, item)}
                  <div class="muted small mono">{item.id}</div>
                </td>
                <td class="error-text">{String(item.error ?? item.lastError ?? '—')}</td>
                <td class="num">{String(item.attempts ?? '—')}</td>
                <td>
                  <div class="inline-form">
                    <button type="button" class="secondary small" disabled={busy === item.id} onClick={() => replay(item.id)} aria-label={`Replay ${item.id}`}>
                      Replay
                    </button>
                    {discarding !== item.id && (
                      <button type="button" class="secondary small" disabled={busy === item.id} onClick={() => {
                          setDiscarding(item.id);
                          setReason('');
                        }} aria-label={`Discard ${item.id}`}>
                        Discard…
                      </button>
                    )}
                  </div>
                  {discarding === item.id && (
                    <form class="inline-form" onSubmit={(event) => discard(event, item.id)} aria-label={`Discard ${item.id}`}>
                      <label class="visually-hidden" for={`discard-${kind}-${item.id}`}>
                        Why {item.id} is not to run again
                      </label>
                      <input id={`discard-${kind}-${item.id}`} required maxLength={500} placeholder="why (kept with it)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                      <button type="submit" class="danger small" disabled={busy === item.id || reason.trim() === ''}>
                        Discard for good
                      </button>
                      <button type="button" class="secondary small" onClick={() => setDiscarding(null)}>
                        Keep
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <Pager label={title} page={data.page} pageSize={data.pageSize} total={data.total} onPage={setPage} />}
    </section>
  );
};

export const ParkedPage = () => {
  useTitle('Parked work');
  return (
    <>
      <PageHead title="Parked events and jobs" />
      <p class="muted lead">
        Work that kept failing is set aside here with its error instead of blocking the rest. Fix the cause, then replay: an event is replayed on its saga as it stands now (a conflict
        means it still fails), a job goes back in the queue. What is not to run again (resolved by hand, an address gone for good) is discarded with the reason why: it leaves
        this list and is kept, with who discarded it and when, among the discarded work.
      </p>
      <ParkedList kind="event" title="Parked events" route="/admin/parked-events" />
      <ParkedList kind="job" title="Parked jobs" route="/admin/parked-jobs" />
    </>
  );
};
