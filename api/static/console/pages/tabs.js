// Tabs as the WAI-ARIA tabs pattern has them (arrow keys, Home, End): the editors' language tabs.

import {uid} from "./fields.js";

/**
 * A tab list with its panels.
 * @param {object} ctx the page context (for h)
 * @param {{label: string, onSelect?: (id: string) => void}} options the tab list's accessible name
 * @returns {{element: Element, list: Element, add: Function, remove: Function, select: Function,
 *            selected: () => string|null, ids: () => string[]}}
 */
export function tabs(ctx, {label, onSelect}) {
  const list = ctx.h("div", {role: "tablist", "aria-label": label, class: "tabs"});
  const panels = ctx.h("div", {class: "tab-panels"});
  const items = new Map();  // id -> {tab, panel}
  let current = null;

  function select(id, {focus = false} = {}) {
    if (!items.has(id)) return;
    current = id;
    for (const [key, {tab, panel}] of items) {
      const chosen = key === id;
      tab.setAttribute("aria-selected", String(chosen));
      tab.tabIndex = chosen ? 0 : -1;
      panel.hidden = !chosen;
    }
    if (focus) items.get(id).tab.focus();
    onSelect?.(id);
  }

  list.addEventListener("keydown", (event) => {
    const ids = [...items.keys()];
    const at = ids.indexOf(current);
    const next = {ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1}[event.key];
    if (next === undefined || !ids.length) return;
    event.preventDefault();
    select(ids[(next + ids.length) % ids.length], {focus: true});
  });

  return {
    element: ctx.h("div", {class: "tabbed"}, list, panels),
    list,
    /** Adds a tab `title` for `panel` (an element; given role tabpanel here), with `lang` on the panel. */
    add(id, title, panel, {lang} = {}) {
      const tabId = uid("tab");
      panel.id ||= uid("panel");
      const tab = ctx.h("button", {type: "button", role: "tab", id: tabId, "aria-controls": panel.id,
                                   "aria-selected": "false", tabindex: "-1"}, title);
      tab.addEventListener("click", () => select(id));
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tabId);
      panel.tabIndex = 0;
      if (lang) panel.lang = lang;
      panel.hidden = true;
      items.set(id, {tab, panel});
      list.append(tab);
      panels.append(panel);
      if (current === null) select(id);
      return tab;
    },
    remove(id) {
      const item = items.get(id);
      if (!item) return;
      item.tab.remove();
      item.panel.remove();
      items.delete(id);
      if (current === id) {
        current = null;
        const first = items.keys().next().value;
        if (first !== undefined) select(first);
      }
    },
    select,
    selected: () => current,
    ids: () => [...items.keys()],
  };
}
