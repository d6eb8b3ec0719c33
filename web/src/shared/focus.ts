/**
 * After a navigation inside an app (a new path, not a new query), keyboard and screen-reader
 * users are taken to the new page's heading, as a page load would. For preact-iso's Router
 * `onRouteChange`, which is not called for the first load: that keeps the browser's own start
 * (the skip link first).
 */
export const focusPageHeading = (): void => {
  requestAnimationFrame(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    const target = heading ?? document.getElementById('main');
    if (!target) return;
    if (heading && !heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
  });
};
