import { focusPageHeading } from '../shared/focus.js';
import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { Nav } from './components/Nav.js';
import { useMetricsSampler } from './metrics/sampler.js';
import { Dashboard } from './pages/Dashboard.js';
import { InventoryPage } from './pages/Inventory.js';
import { NotFound } from './pages/NotFound.js';
import { OrderPage } from './pages/Order.js';
import { OrdersPage } from './pages/Orders.js';
import { ParkedPage } from './pages/Parked.js';
import { ProductPage } from './pages/Product.js';
import { ProductsPage } from './pages/Products.js';
import { ProjectionsPage } from './pages/Projections.js';
import { ShipmentsPage } from './pages/Shipments.js';
import { SignIn } from './pages/SignIn.js';
import { api, useSession } from './session.js';

export { api };

/**
 * The operator console (served at /console and every path under it), for the admin: a side
 * navigation and one page per concern. Anyone else gets the sign-in form.
 */
export const App = () => {
  const session = useSession();
  useMetricsSampler(session?.role === 'admin');
  return (
    <LocationProvider scope="/console">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      {session?.role === 'admin' ? (
        <div class="shell">
          <Nav session={session} />
          <main id="main" tabIndex={-1}>
            <ErrorBoundary>
              <Router onRouteChange={focusPageHeading}>
                <Route path="/console" component={Dashboard} />
                <Route path="/console/orders" component={OrdersPage} />
                <Route path="/console/orders/:id" component={OrderPage} />
                <Route path="/console/shipments" component={ShipmentsPage} />
                <Route path="/console/inventory" component={InventoryPage} />
                <Route path="/console/products" component={ProductsPage} />
                <Route path="/console/products/:id" component={ProductPage} />
                <Route path="/console/projections" component={ProjectionsPage} />
                <Route path="/console/parked" component={ParkedPage} />
                <Route default component={NotFound} />
              </Router>
            </ErrorBoundary>
          </main>
        </div>
      ) : (
        <main id="main" class="signin-main" tabIndex={-1}>
          <SignIn />
        </main>
      )}
    </LocationProvider>
  );
};
