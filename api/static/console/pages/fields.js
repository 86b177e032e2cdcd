// Labelled form fields, and the problems of a 422 shown next to the field each one names (the editors' pages).

// the editors' styles: a file of their own beside these modules (style-src 'self'), linked once
const STYLES = new URL("./editors.css", import.meta.url).pathname;
if (!document.querySelector(`link[href="${STYLES}"]`)) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = STYLES;
  document.head.append(link);
}

let counter = 0;

/** A document-unique id starting with `stem` (labels, descriptions, tabs). */
export function uid(stem) {
  counter += 1;
  return `${stem}-${counter}`;
}

// a field path as the API names it: "category", "variants.en.title", "groups.2.terms", "article.variants.ja.body"
const PATH = "[A-Za-z_][\\w.\\[\\]-]*";
const ONE_PROBLEM = new RegExp(`^(${PATH}): ([\\s\\S]*)$`);
const NEXT_PROBLEM = new RegExp(`; (?=${PATH}: )`);
// a template refused on load: "<file>: field 'parts.en.acknowledge': contains the phrase ..."
const TEMPLATE_PROBLEM = /field '([^']+)': ([\s\S]*)$/;

/**
 * The problems an API error names, each as {field, message} ("" when it names no field).
 * Reads the shapes the API gives: "field: message" (joined with "; " when there are several) and the
 * template loader's "<file>: field '<path>': <problem>".
 */
export function problems(error) {
  const detail = typeof error?.detail === "string" ? error.detail : String(error?.message ?? error);
  const template = detail.match(TEMPLATE_PROBLEM);
  if (template) return [{field: template[1], message: template[2]}];
  return detail.split(NEXT_PROBLEM).map((part) => {
    const named = part.match(ONE_PROBLEM);
    return named ? {field: named[1], message: named[2]} : {field: "", message: part};
  });
}

/** The fields of one form by API path; a 422 puts each problem next to its field (or its nearest parent). */
export class FieldErrors {
  constructor() {
    this.entries = new Map();
  }

  /**
   * Makes `path` a place for errors.
   * @param {string} path the API's name for the field, e.g. "variants.en.title"
   * @param {{control: Element, slot: Element, reveal?: () => void}} entry the control (focused and marked
   *   aria-invalid), the element that shows the message, and how to bring a hidden field into view (its tab)
   */
  register(path, entry) {
    this.entries.set(path, entry);
  }

  /** Forgets every field whose path starts with `prefix` (a removed language, group or pin). */
  forget(prefix) {
    for (const path of [...this.entries.keys()]) {
      if (path === prefix || path.startsWith(`${prefix}.`)) this.entries.delete(path);
    }
  }

  clear() {
    for (const {control, slot} of this.entries.values()) {
      slot.replaceChildren();
      slot.hidden = true;
      control.removeAttribute("aria-invalid");
    }
  }

  /**
   * Shows each problem of `error` next to the field it names and focuses the first such field.
   * @param {object} error an ApiError (or anything with a `detail`)
   * @param {string} prefix removed from the API's paths first (the preview names "article.variants...")
   * @param {boolean} focus move the focus to the first field with a problem (not while the person types)
   * @returns {{field: string, message: string}[]} the problems no field took (show them elsewhere)
   */
  show(error, {prefix = "", focus = true} = {}) {
    this.clear();
    const left = [];
    let first = null;
    for (const problem of problems(error)) {
      const path = problem.field.startsWith(prefix) ? problem.field.slice(prefix.length) : problem.field;
      const entry = this.nearest(path);
      if (!entry) {
        left.push(problem);
        continue;
      }
      const line = document.createElement("span");
      line.textContent = entry.path === path ? problem.message : `${path}: ${problem.message}`;
      entry.slot.append(line);
      entry.slot.hidden = false;
      entry.control.setAttribute("aria-invalid", "true");
      first ??= entry;
    }
    if (first && focus) {
      first.reveal?.();
      first.control.focus();
    }
    return left;
  }

  /** The entry of `path` or of its nearest registered parent ("variants.en" for "variants.en.body"). */
  nearest(path) {
    const parts = path ? path.split(".") : [];
    while (parts.length) {
      const key = parts.join(".");
      if (this.entries.has(key)) return {path: key, ...this.entries.get(key)};
      parts.pop();
    }
    return null;
  }
}

/**
 * A control with its label, an optional hint and an error slot, registered in `errors` under `path`.
 * @param {object} ctx the page context (for h)
 * @param {{label: string, control: Element, hint?: string, path?: string, errors?: FieldErrors,
 *          reveal?: () => void, className?: string}} options
 * @returns {Element} the field's wrapper
 */
export function field(ctx, {label, control, hint, path, errors, reveal, className}) {
  control.id ||= uid("field");
  const hintElement = hint ? ctx.h("p", {class: "hint", id: `${control.id}-hint`}, hint) : null;
  const slot = errorSlot(ctx, control);
  control.setAttribute("aria-describedby", [hintElement?.id, slot.id].filter(Boolean).join(" "));
  if (errors && path) errors.register(path, {control, slot, reveal});
  return ctx.h("div", {class: className ? `field ${className}` : "field"},
    ctx.h("label", {for: control.id}, label), control, hintElement, slot);
}

/** An empty, hidden error message element for `control` (id `<control id>-error`). */
export function errorSlot(ctx, control) {
  const slot = ctx.h("p", {class: "field-error", id: `${control.id}-error`});
  slot.hidden = true;
  return slot;
}

/**
 * An inline confirmation for a destructive button: clicking `trigger` shows `question` with `yes` and
 * Cancel; Cancel hides it and gives focus back to `trigger`; `yes` runs `action` (an error is shown on
 * the page). Returns the confirmation, hidden, to place next to `trigger`.
 */
export function inlineConfirm(ctx, trigger, {label, question, yes, action}) {
  const confirmYes = ctx.h("button", {type: "button", class: "danger"}, yes);
  const confirmNo = ctx.h("button", {type: "button", class: "secondary"}, ctx.t("cancel"));
  const confirm = ctx.h("div", {class: "confirm", role: "group", "aria-label": label},
    ctx.h("p", {}, question), confirmYes, confirmNo);
  confirm.hidden = true;
  trigger.addEventListener("click", () => {
    confirm.hidden = false;
    confirmNo.focus();
  });
  confirmNo.addEventListener("click", () => {
    confirm.hidden = true;
    trigger.focus();
  });
  confirmYes.addEventListener("click", async () => {
    try {
      await action();
    } catch (error) {
      ctx.showError(error);
    }
  });
  return confirm;
}

/** Runs `action` at most once per `wait` ms of quiet (the live preview while someone types). */
export function debounce(action, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => action(...args), wait);
  };
}
