/**
 * What a personal value reads as once the key it was sealed with is destroyed (its customer
 * was erased, or the invoices' retention ended): every string or number leaf of a personal
 * field becomes this text, in the API, the audit and the read models alike. Documented in
 * the API contract; the shape of the field (an address's keys, a list's length) stays.
 */
export const ERASED = '[erased]';

export const isErased = (value: unknown): boolean => value === ERASED;
