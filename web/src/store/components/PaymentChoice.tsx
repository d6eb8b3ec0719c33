import type { PaymentMethod } from '../types.js';

/** The simulated provider's test cards: what each token does. */
export const TEST_TOKENS: Array<[string, string, string]> = [
  ['tok_visa', 'Visa', 'succeeds: the payment is captured'],
  ['tok_mastercard', 'Mastercard', 'succeeds: the payment is captured'],
  ['tok_declined', 'Declined card', 'is declined: the order fails, nothing is charged'],
  ['tok_insufficient_funds', 'Insufficient funds', 'is declined for lack of funds: the order fails'],
  ['tok_timeout', 'Provider timeout', 'never answers: the order fails once the payment times out'],
];

export type PaymentPick = { kind: 'token'; token: string } | { kind: 'saved'; paymentMethodId: string };

/** Pay with a saved payment method or a test card token; the tokens explained beside. */
export const PaymentChoice = ({ methods, value, onChange }: { methods: PaymentMethod[]; value: PaymentPick; onChange: (pick: PaymentPick) => void }) => {
  const tokenPick = value.kind === 'token' ? value.token : 'tok_visa';
  return (
    <fieldset class="payment">
      <legend>Payment</legend>
      {methods.length > 0 && (
        <ul class="choices" aria-label="Saved payment methods">
          {methods.map((method) => (
            <li key={method.paymentMethodId}>
              <label class="choice">
                <input type="radio" name="payment" checked={value.kind === 'saved' && value.paymentMethodId === method.paymentMethodId}
                  onChange={() => onChange({ kind: 'saved', paymentMethodId: method.paymentMethodId })} />
                <span><strong class="card-brand">{method.brand}</strong> ending in {method.last4}{method.label ? ` · ${method.label}` : ''}{method.isDefault && <span class="badge">Default</span>}</span>
              </label>
            </li>
          ))}
          <li>
            <label class="choice">
              <input type="radio" name="payment" checked={value.kind === 'token'} onChange={() => onChange({ kind: 'token', token: tokenPick })} />
              <span>A test card</span>
            </label>
          </li>
        </ul>
      )}
      {value.kind === 'token' && (
        <div class="token-pick">
          <div class="field">
            <label for="card-token">Test card token</label>
            <select id="card-token" value={value.token} aria-describedby="token-help" onChange={(e) => onChange({ kind: 'token', token: e.currentTarget.value })}>
              {TEST_TOKENS.map(([token, name]) => <option key={token} value={token}>{name} ({token})</option>)}
            </select>
          </div>
          <div id="token-help" class="alert info token-help">
            <p><strong>This shop takes no real cards.</strong> Its payment provider is simulated; pick a test token to see each outcome:</p>
            <ul>
              {TEST_TOKENS.map(([token, , what]) => <li key={token}><code>{token}</code> {what}.</li>)}
            </ul>
          </div>
        </div>
      )}
    </fieldset>
  );
};
