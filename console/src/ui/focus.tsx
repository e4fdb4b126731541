/**
 * Focus on a view change: following a link to another view removes the link, and focus would drop to the page's
 * body (a keyboard user starts again from the top, a screen reader says nothing of the new view). The new view's
 * main heading takes it instead.
 */
import { type ComponentChildren, createContext } from "preact";
import { useContext, useEffect, useLayoutEffect, useRef } from "preact/hooks";

/** Set when the address or the session changes; the next view heading shown takes the focus and clears it. */
export interface HeadingFocusRequest {
  pending: boolean;
}

export const HeadingFocus = createContext<HeadingFocusRequest>({ pending: false });

/** A view's main heading, the page's h1; focusable by script only (tabindex -1), not a stop of the tab order. */
export function ViewHeading({ children }: { children: ComponentChildren }) {
  const request = useContext(HeadingFocus);
  const heading = useRef<HTMLHeadingElement>(null);
  // A view still loading has no heading yet: the request waits for the one it shows when loaded (the job page's).
  useEffect(() => {
    if (!request.pending) return;
    request.pending = false;
    heading.current?.focus();
  }, [request]);
  // A heading replaced while it holds the focus (a view's stand-in while its code loads) hands it on to the next. A
  // layout effect's cleanup runs while the heading is still in the page (a passive one's once it is gone, focus with it).
  useLayoutEffect(() => {
    const shown = heading.current;
    return () => {
      if (shown !== null && document.activeElement === shown) request.pending = true;
    };
  }, [request]);
  return (
    <h1 ref={heading} tabIndex={-1} class="view-heading">
      {children}
    </h1>
  );
}
