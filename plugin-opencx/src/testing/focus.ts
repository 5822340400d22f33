/**
 * What a browser does to a focused button that gets disabled, as Paste does while it is loading
 * (jsdom leaves the focus on it): the focus goes to the page, as jsdom does when the focused element
 * is removed.
 */
export function browserDropsFocus(): void {
  const gone = document.body.appendChild(document.createElement('input'));
  gone.focus();
  gone.remove();
}
