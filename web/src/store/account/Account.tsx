import { useRef, useState } from 'preact/hooks';
import { Attempt } from '../../shared/api.js';
import type { Session } from '../../shared/api.js';
import { dateTime } from '../../shared/format.js';
import { api } from '../session.js';
import { AccountLayout } from './AccountLayout.js';
import { AddressForm } from './AddressForm.js';
import { ChangePassword } from './Password.js';
import { DeleteAccount, ExportData } from './Privacy.js';
import type { Address, Profile, SavedAddress } from './types.js';
import { ErrorAlert, Loading, useAction } from './ui.js';
import { useLoad } from './use-load.js';

/** My account: who I am, where things ship, my password, and my data (download it, or delete the account). */
export const AccountPage = () => (
  <AccountLayout title="My account" intro="Your profile, your addresses and your data.">
    {(session) => <AccountDetails session={session} />}
  </AccountLayout>
);

const AccountDetails = ({ session }: { session: Session }) => {
  const profile = useLoad((signal) => api.get<Profile>('/account/me', undefined, signal), [session.customerId]);
  const added = (address: SavedAddress) => profile.set((current) => current && { ...current, addresses: [...current.addresses, address] });
  return (
    <>
      {profile.error ? <ErrorAlert error={profile.error} title="Your profile could not be loaded." />
        : !profile.data ? <Loading what="your profile" />
        : (
          <>
            <ProfileCard profile={profile.data} />
            <Addresses addresses={profile.data.addresses} onAdded={added} />
          </>
        )}
      <ChangePassword />
      <ExportData />
      <DeleteAccount />
    </>
  );
};

const ProfileCard = ({ profile }: { profile: Profile }) => (
  <section class="panel profile" aria-labelledby="profile-title">
    <h2 id="profile-title">Profile</h2>
    <dl>
      <dt>Name</dt>
      <dd>{profile.name}</dd>
      <dt>Email</dt>
      <dd>{profile.email}</dd>
      <dt>Phone</dt>
      <dd>{profile.phone ?? <span class="muted">Not given</span>}</dd>
      <dt>Customer since</dt>
      <dd><time dateTime={profile.registeredAt}>{dateTime(profile.registeredAt)}</time></dd>
    </dl>
  </section>
);

const Addresses = ({ addresses, onAdded }: { addresses: SavedAddress[]; onAdded: (address: SavedAddress) => void }) => {
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState('');
  const action = useAction();
  const addition = useRef(new Attempt());
  const add = (address: Address) =>
    action.run(async () => {
      onAdded(await addition.current.run((idempotencyKey) => api.post<SavedAddress>('/account/me/addresses', address, { idempotencyKey })));
      setAdding(false);
      setNotice('The address was added.');
    });
  return (
    <section class="panel" aria-labelledby="addresses-title">
      <div class="section-head">
        <h2 id="addresses-title">Addresses</h2>
        {!adding && (
          <button type="button" class="secondary" onClick={() => { setAdding(true); setNotice(''); }}>Add an address</button>
        )}
      </div>
      {addresses.length === 0 ? <p class="muted">No saved addresses yet.</p> : (
        <ul class="address-list">
          {addresses.map((address) => (
            <li key={address.addressId}>
              <address>
                {address.line1}<br />
                {address.postalCode} {address.city}<br />
                {address.country}
              </address>
            </li>
          ))}
        </ul>
      )}
      <div role="status">{notice && <p class="alert success">{notice}</p>}</div>
      {adding && (
        <>
          <h3>New address</h3>
          <AddressForm submitLabel="Save address" busy={action.busy} onSubmit={add} onCancel={() => setAdding(false)} />
        </>
      )}
      <ErrorAlert error={action.error} title="The address was not saved." />
    </section>
  );
};
