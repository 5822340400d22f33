import { useEffect, useRef } from 'react';

/**
 * Paste disables a button while it is loading, and the browser then drops its keyboard focus to the
 * page: the next Tab would start from the top of Flex. Once `busy` ends, the element the returned ref
 * is on takes the focus back (or, when what ended took that element away or left it disabled,
 * `fallback`'s), unless the user has put it somewhere else meanwhile.
 */
export function useFocusAfterBusy<T extends HTMLElement>(
  busy: boolean,
  fallback?: React.RefObject<HTMLElement>,
): React.RefObject<T> {
  const ref = useRef<T>(null);
  const wasBusy = useRef(busy);
  useEffect(() => {
    const ended = wasBusy.current && !busy;
    wasBusy.current = busy;
    const focusLost = !document.activeElement || document.activeElement === document.body;
    // A disabled element takes no focus: Apply fixes once nothing is left to fix, say.
    const own = ref.current && !ref.current.matches(':disabled') ? ref.current : undefined;
    if (ended && focusLost) (own ?? fallback?.current)?.focus();
  }, [busy, fallback]);
  return ref;
}
