// The dashboard: the period's totals (/v1/analytics/summary) and per-day charts (/v1/analytics/daily) of the
// answer rate, handoffs, deflection and helpful feedback, by language and channel, with their numbers in tables.

import {dayChart} from "../charts.js";
import {formatDay, formatNumber, formatRate} from "../i18n.js";
import {apiQuery, exportButtons, filterForm, periodDays, readFilters} from "../period.js";

const TOTALS = [["answers", "count"], ["answer_rate", "rate"], ["helpful_rate", "rate"], ["deflection_rate", "rate"],
                ["feedback", "count"], ["outcomes", "count"]];
const DAILY_COUNTS = ["answers", "answered", "handoffs", "feedback", "helpful", "outcomes", "deflected"];
const GROUP_COLUMNS = [["answers", "count"], ["answer_rate", "rate"], ["helpful_rate", "rate"],
                       ["deflection_rate", "rate"]];

export default {
  id: "dashboard",
  strings: {
    en: {
      nav: "Dashboard",
      totals: "Totals for the period",
      answers: "Questions",
      answered: "Answered",
      answer_rate: "Answer rate",
      helpful_rate: "Found helpful",
      deflection_rate: "Solved without an agent",
      feedback: "Rated by the customer",
      outcomes: "Outcome reported",
      handoffs: "Handed to an agent",
      helpful: "Helpful",
      deflected: "Solved by the answer",
      by_group: "By language and channel",
      per_day: "Per day",
      chart_description: "{name} per day from {from} to {to}: lowest {min}, highest {max}.",
      no_data: "No data for this period",
      show_table: "Show the numbers behind the charts",
      daily_caption: "Answers per day, language and channel",
      day: "Day",
    },
    ja: {
      nav: "ダッシュボード",
      totals: "期間の合計",
      answers: "質問数",
      answered: "回答済み",
      answer_rate: "回答率",
      helpful_rate: "役に立った割合",
      deflection_rate: "自己解決率",
      feedback: "お客様の評価あり",
      outcomes: "結果の報告あり",
      handoffs: "担当者への引き継ぎ",
      helpful: "役に立った",
      deflected: "回答で解決",
      by_group: "言語・チャネル別",
      per_day: "日別の推移",
      chart_description: "{from}〜{to}の日別の{name}。最小 {min}、最大 {max}。",
      no_data: "この期間のデータはありません",
      show_table: "グラフの数値を表で表示",
      daily_caption: "日付・言語・チャネル別の回答",
      day: "日付",
    },
    zh: {
      nav: "概览",
      totals: "时段合计",
      answers: "提问数",
      answered: "已回答",
      answer_rate: "回答率",
      helpful_rate: "有帮助比例",
      deflection_rate: "自助解决率",
      feedback: "客户已评价",
      outcomes: "已反馈结果",
      handoffs: "转人工",
      helpful: "有帮助",
      deflected: "靠回答解决",
      by_group: "按语言和渠道",
      per_day: "每日趋势",
      chart_description: "{from}至{to}每日的{name}：最低 {min}，最高 {max}。",
      no_data: "该时段暂无数据",
      show_table: "查看图表背后的数据",
      daily_caption: "按日期、语言和渠道统计的回答",
      day: "日期",
    },
    lt: {
      nav: "Apžvalga",
      totals: "Laikotarpio suvestinė",
      answers: "Klausimai",
      answered: "Atsakyta",
      answer_rate: "Atsakytų dalis",
      helpful_rate: "Naudingi atsakymai",
      deflection_rate: "Išspręsta be konsultanto",
      feedback: "Įvertino klientas",
      outcomes: "Žinomas rezultatas",
      handoffs: "Perduota konsultantui",
      helpful: "Naudingi",
      deflected: "Išspręsta atsakymu",
      by_group: "Pagal kalbą ir kanalą",
      per_day: "Pagal dienas",
      chart_description: "{name} kiekvieną dieną nuo {from} iki {to}: mažiausiai {min}, daugiausiai {max}.",
      no_data: "Šiam laikotarpiui duomenų nėra",
      show_table: "Rodyti diagramų skaičius",
      daily_caption: "Atsakymai pagal dieną, kalbą ir kanalą",
      day: "Diena",
    },
  },

  async render(root, ctx) {
    const {h, t, language} = ctx;
    const filters = readFilters(ctx.params);
    root.append(filterForm(ctx, "dashboard", filters));
    const [summary, daily] = await Promise.allSettled([
      ctx.api("GET", `/v1/analytics/summary${apiQuery(filters)}`),
      ctx.api("GET", `/v1/analytics/daily${apiQuery(filters)}`),
    ]);
    const count = (value) => h("data", {value}, formatNumber(language, value));
    const rate = (value) => h("data", {value: value ?? ""}, formatRate(language, value));
    const cell = (kind, value) => h("td", {class: "number"}, kind === "rate" ? rate(value) : count(value));

    root.append(h("h2", {id: "totals"}, t("totals")), exportButtons(ctx, "summary", filters, t("totals")));
    if (summary.status === "fulfilled") {
      const {total, by_language_and_channel: groups} = summary.value;
      root.append(h("dl", {class: "tiles", "aria-labelledby": "totals"}, TOTALS.map(([key, kind]) =>
        h("div", {"data-total": key}, h("dt", {}, t(key)), h("dd", {}, kind === "rate" ? rate(total[key])
          : count(total[key]))))));
      root.append(h("div", {class: "table-wrap"}, h("table", {id: "by-group"},
        h("caption", {}, t("by_group")),
        h("thead", {}, h("tr", {}, h("th", {scope: "col"}, t("filter_language")),
          h("th", {scope: "col"}, t("filter_channel")),
          GROUP_COLUMNS.map(([key]) => h("th", {scope: "col", class: "number"}, t(key))))),
        h("tbody", {}, groups.map((group) => h("tr", {},
          h("td", {}, h("data", {value: group.language}, t(`lang_${group.language}`))),
          h("td", {}, h("data", {value: group.channel}, t(`channel_${group.channel}`))),
          GROUP_COLUMNS.map(([key, kind]) => cell(kind, group[key]))))))));
    } else {
      ctx.showError(summary.reason);
    }

    root.append(h("h2", {id: "per-day"}, t("per_day")), exportButtons(ctx, "daily", filters, t("per_day")));
    if (daily.status === "rejected") {
      ctx.showError(daily.reason);
      return;
    }
    const rows = daily.value.days;
    const days = periodDays(filters);
    const perDay = sumPerDay(days, rows);
    const share = (part, whole) => days.map((day) => (perDay[day][whole] ? perDay[day][part] / perDay[day][whole]
      : null));
    const describe = (name, values, format) => {
      const shown = values.filter((value) => value !== null);
      return shown.length ? t("chart_description", {
        name, from: formatDay(language, days[0]), to: formatDay(language, days[days.length - 1]),
        min: format(Math.min(...shown)), max: format(Math.max(...shown)),
      }) : t("no_data");
    };
    const chart = (key, values, kind) => {
      const format = kind === "bar" ? (value) => formatNumber(language, value) : (value) => formatRate(language, value);
      return dayChart({title: t(key), description: describe(t(key), values, format), days, values, kind, format,
                       formatDay: (day) => formatDay(language, day), max: kind === "bar" ? undefined : 1,
                       empty: t("no_data")});
    };
    root.append(h("div", {class: "charts"},
      chart("answer_rate", share("answered", "answers"), "line"),
      chart("handoffs", days.map((day) => (perDay[day].answers ? perDay[day].handoffs : null)), "bar"),
      chart("deflection_rate", share("deflected", "outcomes"), "line"),
      chart("helpful_rate", share("helpful", "feedback"), "line")));
    root.append(h("details", {id: "daily-numbers"}, h("summary", {}, t("show_table")),
      h("div", {class: "table-wrap"}, h("table", {id: "daily"},
        h("caption", {}, t("daily_caption")),
        h("thead", {}, h("tr", {}, h("th", {scope: "col"}, t("day")), h("th", {scope: "col"}, t("filter_language")),
          h("th", {scope: "col"}, t("filter_channel")),
          DAILY_COUNTS.map((key) => h("th", {scope: "col", class: "number"}, t(key))))),
        h("tbody", {}, rows.length ? rows.map((row) => h("tr", {},
          h("th", {scope: "row"}, h("time", {datetime: row.day}, formatDay(language, row.day))),
          h("td", {}, h("data", {value: row.language}, t(`lang_${row.language}`))),
          h("td", {}, h("data", {value: row.channel}, t(`channel_${row.channel}`))),
          DAILY_COUNTS.map((key) => cell("count", row[key]))))
          : h("tr", {}, h("td", {colspan: 3 + DAILY_COUNTS.length}, t("empty_period"))))))));
  },
};

/** The daily rows (one per day, language and channel) summed per day: {day: {answers, answered, ...}}. */
function sumPerDay(days, rows) {
  const perDay = Object.fromEntries(days.map((day) => [day, Object.fromEntries(DAILY_COUNTS.map((key) => [key, 0]))]));
  for (const row of rows) {
    if (!perDay[row.day]) continue; // outside the days shown (cannot happen with the API's period)
    for (const key of DAILY_COUNTS) perDay[row.day][key] += row[key];
  }
  return perDay;
}
