/** How an order's status reads at a glance: its badge's tone. */
export const statusTone = (status: string): 'ok' | 'warn' | 'bad' | '' => {
  if (['Confirmed', 'Shipped', 'Delivered', 'Captured', 'Active'].includes(status)) return 'ok';
  if (['Pending', 'Paid', 'Preparing', 'Dispatched', 'Paused'].includes(status)) return 'warn';
  if (['Failed', 'Cancelled', 'Refunded', 'Declined'].includes(status)) return 'bad';
  return '';
};
