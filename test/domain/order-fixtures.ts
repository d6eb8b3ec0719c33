import type { OrderLine, ShippingAddress } from '../../src/domain/ordering/order.js';

/** The order that the ordering, shipping, saga and notification tests place: two mugs and three teas. */
export const MUG: OrderLine = { productId: 'product-mug', sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1200, currency: 'USD' } };
export const TEA: OrderLine = { productId: 'product-tea', sku: 'TEA-1', name: 'Tea', quantity: 3, unitPrice: { amount: 450, currency: 'USD' } };
export const LINES: OrderLine[] = [MUG, TEA];
/** 2 × 12.00 + 3 × 4.50 */
export const TOTAL = { amount: 3750, currency: 'USD' };

export const HOME: ShippingAddress = { line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
export const WORK: ShippingAddress = { line1: '1 Analytical Row', city: 'Cambridge', postalCode: 'CB2 1TN', country: 'GB' };
