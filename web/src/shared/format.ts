import type { Money } from './api.js';

/** Amounts are minor units (cents) with their currency, as the API sends them. */
export const money = (value: Money | null | undefined): string =>
  value ? new Intl.NumberFormat(undefined, { style: 'currency', currency: value.currency }).format(value.amount / 100) : '—';

export const dateTime = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

export const time = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—';

/** A title as an element id ("Process managers" → "process-managers"): an id with a space is none an aria-labelledby can name. */
export const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'section';
