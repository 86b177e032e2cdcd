// Building the DOM without HTML strings: text from the API only ever becomes text nodes.

const SVG_NS = "http://www.w3.org/2000/svg";
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "xlink:href"]);
const SAFE_URL = /^(?:[#/?.]|https?:|mailto:|blob:)/i;

/**
 * An HTML element: h("a", {href: "#/x", class: "y"}, "text", otherNode, [more, nodes]).
 * Attribute values are set with setAttribute; `on*` attributes are refused (add listeners with
 * addEventListener), and so are URLs other than relative, http(s), mailto and blob ones.
 * Children: strings and numbers become text nodes; null, undefined and false are skipped; arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, as h() builds HTML ones. */
export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`h(): event handler attribute ${name} refused; use addEventListener`);
    const text = value === true ? "" : String(value);
    if (URL_ATTRIBUTES.has(name.toLowerCase()) && !SAFE_URL.test(text.trim())) {
      throw new Error(`h(): unsafe URL in ${name}`);
    }
    element.setAttribute(name, text);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `element`. */
export function clear(element) {
  element.replaceChildren();
  return element;
}
