import { focusPageHeading } from '../shared/focus.js';
import { ErrorBoundary, LocationProvider, Route, Router } from 'preact-iso';
import { Header } from './Header.js';
import { Home } from './pages/Home.js';
import { ProductPage } from './pages/Product.js';
import { CartPage } from './pages/Cart.js';
import { CheckoutPage } from './pages/Checkout.js';
import { OrderPage } from './pages/Order.js';
import { SignInPage, SignUpPage } from './pages/Auth.js';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/Passwords.js';
import { MyOrders } from './account/Orders.js';
import { Notifications } from './account/Notifications.js';
import { Subscriptions } from './account/Subscriptions.js';
import { PaymentMethods } from './account/PaymentMethods.js';
import { AccountPage } from './account/Account.js';
import { NotFound } from './pages/NotFound.js';

/**
 * The storefront (served at /). Each page is a path of its own, so links, the back button
 * and a reload work; the server answers every such path with this app (src/web/pages.ts).
 */
export const App = () => (
  <LocationProvider>
    <a class="skip-link" href="#main">Skip to content</a>
    <Header />
    <main id="main" tabIndex={-1}>
      <ErrorBoundary>
        <Router onRouteChange={focusPageHeading}>
          <Route path="/" component={Home} />
          <Route path="/products/:id" component={ProductPage} />
          <Route path="/cart" component={CartPage} />
          <Route path="/checkout" component={CheckoutPage} />
          <Route path="/orders/:id" component={OrderPage} />
          <Route path="/signin" component={SignInPage} />
          <Route path="/signup" component={SignUpPage} />
          <Route path="/forgot-password" component={ForgotPasswordPage} />
          <Route path="/reset-password" component={ResetPasswordPage} />
          <Route path="/account" component={AccountPage} />
          <Route path="/account/orders" component={MyOrders} />
          <Route path="/account/notifications" component={Notifications} />
          <Route path="/account/subscriptions" component={Subscriptions} />
          <Route path="/account/payment-methods" component={PaymentMethods} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </main>
  </LocationProvider>
);
