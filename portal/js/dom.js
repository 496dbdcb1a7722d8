// Small DOM helpers. Everything that shows data goes through text nodes or
// textContent: this portal never parses HTML strings, so user content can
// never become markup (tests/e2e/test_portal_browser.py checks the source).

/**
 * Creates an element. `attrs` are set with setAttribute, except `class`
 * (className), `text` (textContent), `dataset` (an object) and `on` (an object
 * of event listeners). Children may be nodes, strings (text nodes) or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "on") {
      for (const [event, listener] of Object.entries(value)) el.addEventListener(event, listener);
    } else if (name.startsWith("on")) {
      throw new Error(`use the "on" object for listeners, not the ${name} attribute`);
    } else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A copy of a <template>'s first element. */
export function fromTemplate(id) {
  const template = document.getElementById(id);
  if (!(template instanceof HTMLTemplateElement)) throw new Error(`no template #${id}`);
  const element = template.content.firstElementChild;
  if (!element) throw new Error(`template #${id} is empty`);
  return element.cloneNode(true);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}

/** Saves bytes as a file: a blob: address clicked, then let go (a download fetched with the token). */
export function saveAs(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
