// The console's shell: sign-in, the language picker, the navigation and the router (#/<page>?<params>).
//
// A page is a module under pages/ whose default export is {id, strings: {en, ja, zh, lt}, render(root, ctx)};
// its strings hold at least "nav" (its name in the navigation and its heading). See README "The console".

import {ApiError, createClient} from "./api.js";
import {h} from "./dom.js";
import {LANGUAGE_NAMES, LANGUAGES, chosenLanguage, saveLanguage, translator} from "./i18n.js";

// The pages, in the order of the navigation: one line each.
const PAGE_FILES = [
  "./pages/dashboard.js",
  "./pages/questions.js",
  "./pages/articles.js",
  "./pages/templates.js",
  "./pages/relevance.js",
  "./pages/status.js",
];
const KEY_STORAGE = "kb-console-key"; // session storage only: gone with the tab, never sent but as a header
const ADMIN_CHECK = "/v1/keys"; // a cheap call only an admin key may make

const shell = {
  pages: [],
  language: chosenLanguage(),
  client: null, // {api, download} while signed in
  current: null, // {page, params} being shown
  generation: 0, // bumps on each render: a slow page that finished late must not write into a newer one
};
const elements = {
  brand: document.getElementById("brand"),
  nav: document.getElementById("nav"),
  languageLabel: document.getElementById("language-label"),
  language: document.getElementById("language"),
  signOut: document.getElementById("sign-out"),
  main: document.getElementById("main"),
};

const t = (key, vars) => translator(shell.language, {})(key, vars);

async function start() {
  shell.pages = (await Promise.all(PAGE_FILES.map((file) => import(file)))).map((module) => module.default);
  for (const language of LANGUAGES) {
    elements.language.append(h("option", {value: language, lang: language}, LANGUAGE_NAMES[language]));
  }
  elements.language.addEventListener("change", () => setLanguage(elements.language.value));
  elements.signOut.addEventListener("click", () => signOut(t("signed_out"), "status"));
  window.addEventListener("hashchange", () => shell.client && showRoute(true));
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) enter(key);
  else showSignIn();
  translateShell();
}

function setLanguage(language) {
  shell.language = language;
  saveLanguage(language);
  translateShell();
  if (shell.client) showRoute(false);
  else showSignIn();
}

/** The texts of the page around the content: in the chosen language. */
function translateShell() {
  document.documentElement.lang = shell.language;
  elements.language.value = shell.language;
  elements.brand.textContent = t("app");
  elements.languageLabel.textContent = t("language");
  elements.signOut.textContent = t("sign_out");
  elements.nav.setAttribute("aria-label", t("nav_label"));
  const list = h("ul", {}, shell.pages.map((page) => h("li", {}, h("a", {
    href: `#/${page.id}`, "aria-current": shell.current?.page === page ? "page" : null,
  }, translator(shell.language, page.strings)("nav")))));
  elements.nav.replaceChildren(list);
  document.title = shell.current && shell.client
    ? `${translator(shell.language, shell.current.page.strings)("nav")} – ${t("app")}` : t("app");
}

function showSignIn(message = "", kind = "alert") {
  shell.client = null;
  shell.current = null;
  elements.nav.hidden = true;
  elements.signOut.hidden = true;
  const input = h("input", {id: "key", type: "password", autocomplete: "off", spellcheck: "false",
                            required: true, "aria-describedby": "sign-in-intro"});
  const button = h("button", {type: "submit"}, t("sign_in"));
  const feedback = h("p", {id: "sign-in-message", class: kind === "alert" && message ? "alert" : "notice",
                           role: kind}, message);
  // the input has no name: even if the script failed, submitting could never put the key in a URL
  const form = h("form", {class: "sign-in", method: "post", "aria-labelledby": "sign-in-title"},
    h("h1", {id: "sign-in-title"}, t("sign_in_title")),
    h("p", {id: "sign-in-intro"}, t("sign_in_intro")),
    h("label", {for: "key"}, t("key_label")), input, button, feedback);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      showFeedback(feedback, t("key_missing"));
      return;
    }
    button.disabled = true;
    showFeedback(feedback, t("checking"), "notice");
    try {
      await createClient(key, () => {}).api("GET", ADMIN_CHECK);
      sessionStorage.setItem(KEY_STORAGE, key);
      enter(key);
    } catch (error) {
      button.disabled = false;
      showFeedback(feedback, signInProblem(error));
      input.focus();
    }
  });
  elements.main.replaceChildren(form);
  translateShell();
  input.focus();
}

function showFeedback(element, message, kind = "alert") {
  element.className = kind;
  element.setAttribute("role", kind === "alert" ? "alert" : "status");
  element.textContent = message;
}

function signInProblem(error) {
  if (error instanceof ApiError && error.status === 401) return t("key_invalid");
  if (error instanceof ApiError && error.status === 403) return t("key_not_admin");
  return describe(error);
}

/** An error as a sentence for the person reading it. */
function describe(error) {
  if (!(error instanceof ApiError)) return t("error", {status: "–", detail: error.message});
  if (error.status === 0) return t("unreachable", {detail: error.detail});
  return t("error", {status: error.status, detail: error.detail});
}

function enter(key) {
  shell.client = createClient(key, (error) => signOut(t("signed_out_refused", {detail: error.detail})));
  elements.nav.hidden = false;
  elements.signOut.hidden = false;
  showRoute(false);
}

function signOut(message, kind = "alert") {
  if (!shell.client) return; // several calls refused at once sign out once
  sessionStorage.removeItem(KEY_STORAGE);
  showSignIn(message, kind);
}

/** The route in the address: {id, params}; the first page when there is none. */
function parseRoute() {
  const match = /^#\/([\w-]*)(?:\?(.*))?$/.exec(window.location.hash);
  if (!match || !match[1]) return {id: shell.pages[0].id, params: {}};
  return {id: match[1], params: Object.fromEntries(new URLSearchParams(match[2] || ""))};
}

/** Shows a page: `route` a page id, `params` its parameters (strings). */
function navigate(route, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined
    && value !== null && value !== "")).toString();
  const hash = `#/${route}${query ? `?${query}` : ""}`;
  if (window.location.hash === hash) showRoute(true);
  else window.location.hash = hash; // hashchange shows it
}

async function showRoute(moveFocus) {
  const {id, params} = parseRoute();
  const page = shell.pages.find((candidate) => candidate.id === id);
  const generation = ++shell.generation;
  const alerts = h("div", {class: "page-alerts"});
  const root = h("section", {"aria-labelledby": "page-title", "data-page": id, "aria-busy": "true"});
  shell.current = page ? {page, params} : null;
  translateShell();
  if (!page) {
    elements.main.replaceChildren(alerts, h("h1", {id: "page-title", tabindex: "-1"}, t("not_found")));
    return;
  }
  const pageT = translator(shell.language, page.strings);
  const heading = h("h1", {id: "page-title", tabindex: "-1"}, pageT("nav"));
  elements.main.replaceChildren(alerts, heading, root);
  if (moveFocus) heading.focus();
  const ctx = {
    api: shell.client.api,
    download: shell.client.download,
    t: pageT,
    language: shell.language,
    params,
    navigate,
    h,
    showError(error) {
      if (generation !== shell.generation || (error instanceof ApiError && error.signsOut)) return;
      const dismiss = h("button", {type: "button", class: "dismiss"}, t("dismiss"));
      const alert = h("div", {class: "alert", role: "alert"}, h("span", {}, describe(error)), dismiss);
      dismiss.addEventListener("click", () => alert.remove());
      alerts.append(alert);
    },
  };
  try {
    await page.render(root, ctx);
  } catch (error) {
    ctx.showError(error);
  } finally {
    root.removeAttribute("aria-busy");
  }
}

start();
