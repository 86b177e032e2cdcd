// The analytics filters shared by the dashboard and the questions page: a period of whole UTC days, a language
// and a channel, kept in the route's parameters (so a filtered view can be bookmarked or shared, key excluded).

import {CHANNELS, LANGUAGES} from "./i18n.js";

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (YYYY-MM-DD) moved by `days`. */
export function addDays(day, days) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The filters in `params`: {since, until} days (inclusive; default the last 30 days), language and channel ("": all). */
export function readFilters(params) {
  const today = new Date().toISOString().slice(0, 10);
  const until = DAY.test(params.until || "") ? params.until : today;
  const since = DAY.test(params.since || "") ? params.since : addDays(until, 1 - DEFAULT_DAYS);
  return {since, until, language: LANGUAGES.includes(params.language) ? params.language : "",
          channel: CHANNELS.includes(params.channel) ? params.channel : ""};
}

/** Every day of the filters' period, in order. */
export function periodDays(filters) {
  const days = [];
  for (let day = filters.since; day <= filters.until; day = addDays(day, 1)) days.push(day);
  return days;
}

/** The API query string of the filters (the period as UTC moments, `until` exclusive), plus `extra`. */
export function apiQuery(filters, extra = {}) {
  const query = new URLSearchParams({since: `${filters.since}T00:00:00Z`, until: `${addDays(filters.until, 1)}T00:00:00Z`});
  if (filters.language) query.set("language", filters.language);
  if (filters.channel) query.set("channel", filters.channel);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return `?${query}`;
}

/**
 * The filters' form; on submit it shows `route` with the new filters.
 * @param {object} ctx the page's context
 * @param {string} route the page's id
 * @param {object} filters as readFilters gives them
 */
export function filterForm(ctx, route, filters) {
  const {h, t} = ctx;
  const since = h("input", {type: "date", name: "since", value: filters.since, required: true});
  const until = h("input", {type: "date", name: "until", value: filters.until, required: true});
  const language = h("select", {name: "language"}, h("option", {value: ""}, t("all_languages")),
    LANGUAGES.map((code) => h("option", {value: code, selected: code === filters.language}, t(`lang_${code}`))));
  const channel = h("select", {name: "channel"}, h("option", {value: ""}, t("all_channels")),
    CHANNELS.map((code) => h("option", {value: code, selected: code === filters.channel}, t(`channel_${code}`))));
  const problem = h("p", {class: "alert", role: "alert"});
  const form = h("form", {class: "filters", "aria-label": t("filters")},
    h("label", {}, t("since"), since), h("label", {}, t("until"), until),
    h("label", {}, t("filter_language"), language), h("label", {}, t("filter_channel"), channel),
    h("button", {type: "submit"}, t("apply")), problem);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!since.value || !until.value || since.value > until.value) {
      problem.textContent = t("bad_period");
      return;
    }
    ctx.navigate(route, {since: since.value, until: until.value, language: language.value, channel: channel.value});
  });
  return form;
}

/**
 * CSV and JSON download buttons for one report of /v1/analytics, with the filters.
 * @param {object} ctx the page's context
 * @param {string} report summary, daily, top-questions, unanswered or gaps
 * @param {object} filters as readFilters gives them
 * @param {string} label what is downloaded (names the group for screen readers)
 * @param {object} [extra] more query parameters (limit)
 */
export function exportButtons(ctx, report, filters, label, extra = {}) {
  const {h, t} = ctx;
  const buttons = ["csv", "json"].map((format) => {
    const button = h("button", {type: "button", class: "secondary", "data-export": `${report}.${format}`},
      t(`export_${format}`));
    button.addEventListener("click", () => ctx.download(`/v1/analytics/${report}${apiQuery(filters, {...extra, format})}`,
      `${report}-${filters.since}-${filters.until}.${format}`).catch(ctx.showError));
    return button;
  });
  return h("div", {class: "exports", role: "group", "aria-label": `${t("export")}: ${label}`},
    h("span", {"aria-hidden": "true"}, `${t("export")}:`), buttons);
}
