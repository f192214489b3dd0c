import { useEffect, useRef } from 'react';

/**
 * Moves focus to a view's heading (tabIndex -1) when the view or step changes, so keyboard
 * and screen reader users land at the top of what they just opened.
 */
export function useFocusHeading<T extends HTMLElement>(key: string) {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
  return ref;
}
