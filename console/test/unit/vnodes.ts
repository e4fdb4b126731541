/** Reading the element trees the unit tests' components return, without a DOM. */
import { type ComponentChildren, isValidElement, type VNode } from "preact";

export type Element = VNode<Record<string, unknown> & { children?: ComponentChildren }>;

/** The elements in `node` that `matches`, function components' children searched but not rendered. */
export function find(node: ComponentChildren, matches: (element: Element) => boolean): Element[] {
  if (Array.isArray(node)) return node.flatMap((child: ComponentChildren) => find(child, matches));
  if (!isValidElement(node)) return [];
  const element = node as Element;
  return [...(matches(element) ? [element] : []), ...find(element.props.children, matches)];
}

/** The text `node` holds, function components' output left out. */
export function text(node: ComponentChildren): string {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  if (typeof node !== "object") return String(node);
  if (Array.isArray(node)) return node.map((child: ComponentChildren) => text(child)).join("");
  return text((node as Element).props.children);
}
