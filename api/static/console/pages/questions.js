// Questions and gaps: the period's coverage gaps (/v1/analytics/gaps: clusters of weak questions across languages,
// each with "Draft an article from it"), the most asked questions and the questions left without a good answer.

import {formatMoment, formatNumber, formatRate} from "../i18n.js";
import {apiQuery, exportButtons, filterForm, readFilters} from "../period.js";

// a cluster whose nearest article is at least this close (cosine) is about that article, which does not answer it;
// under it the topic has no article: a gap to write (chosen on the demo KB's scores, see README "The console")
const WEAK_ARTICLE_SCORE = 0.92;
const REASONS = ["not_related", "related_but_incomplete", "other"];

export default {
  id: "questions",
  strings: {
    en: {
      nav: "Questions & gaps",
      gaps: "Coverage gaps",
      gaps_intro: "Questions we could not answer well, grouped by meaning across languages, largest group first.",
      weak_questions: "Questions without a good answer: {count}",
      no_gaps: "No gaps in this period: every question found a good answer.",
      size: "Asked",
      texts: "Wordings",
      trend: "First half → second half",
      languages: "Languages",
      nearest: "Nearest article",
      no_article: "none",
      similarity: "similarity {score}",
      kind_gap: "No article yet",
      kind_weak: "Article misses the point",
      examples: "What customers asked",
      asked_times: "asked {count}×",
      draft: "Draft an article from it",
      drafting: "Creating the draft…",
      top: "Most asked questions",
      unanswered: "Questions without a good answer",
      question: "Question",
      count: "Times asked",
      answer_rate: "Answer rate",
      last_asked: "Last asked",
      not_answered: "Not answered",
      not_helpful: "Marked not helpful",
      reasons: "Why not helpful",
      reason_not_related: "off topic",
      reason_related_but_incomplete: "incomplete",
      reason_other: "other",
    },
    ja: {
      nav: "質問と不足トピック",
      gaps: "記事が不足しているトピック",
      gaps_intro: "うまく回答できなかった質問を、言語に関係なく意味の近いものごとにまとめています（件数の多い順）。",
      weak_questions: "十分に回答できなかった質問：{count} 件",
      no_gaps: "この期間は、すべての質問に適切な回答ができています。",
      size: "質問数",
      texts: "聞き方の種類",
      trend: "前半 → 後半",
      languages: "言語",
      nearest: "最も近い記事",
      no_article: "なし",
      similarity: "類似度 {score}",
      kind_gap: "記事がありません",
      kind_weak: "記事が質問に答えていません",
      examples: "お客様の質問",
      asked_times: "{count} 回",
      draft: "この内容で記事の下書きを作成",
      drafting: "下書きを作成しています…",
      top: "よく聞かれる質問",
      unanswered: "十分に回答できなかった質問",
      question: "質問",
      count: "回数",
      answer_rate: "回答率",
      last_asked: "最後に聞かれた日時",
      not_answered: "未回答",
      not_helpful: "「役に立たない」評価",
      reasons: "役に立たなかった理由",
      reason_not_related: "内容が関係ない",
      reason_related_but_incomplete: "情報が足りない",
      reason_other: "その他",
    },
    zh: {
      nav: "问题与内容缺口",
      gaps: "内容缺口",
      gaps_intro: "未能很好回答的问题，不分语言按含义归类，数量多的排在前面。",
      weak_questions: "未能很好回答的问题：{count} 个",
      no_gaps: "该时段没有内容缺口：每个问题都得到了合适的回答。",
      size: "提问次数",
      texts: "不同问法",
      trend: "前半段 → 后半段",
      languages: "语言",
      nearest: "最接近的文章",
      no_article: "无",
      similarity: "相似度 {score}",
      kind_gap: "尚无相关文章",
      kind_weak: "文章没有答到点子上",
      examples: "客户的提问",
      asked_times: "{count} 次",
      draft: "据此起草文章",
      drafting: "正在创建草稿…",
      top: "最常见的问题",
      unanswered: "未能很好回答的问题",
      question: "问题",
      count: "次数",
      answer_rate: "回答率",
      last_asked: "最近提问时间",
      not_answered: "未回答",
      not_helpful: "被评为没有帮助",
      reasons: "没有帮助的原因",
      reason_not_related: "答非所问",
      reason_related_but_incomplete: "不够完整",
      reason_other: "其他",
    },
    lt: {
      nav: "Klausimai ir spragos",
      gaps: "Žinių bazės spragos",
      gaps_intro: "Klausimai, į kuriuos gerai neatsakėme, sugrupuoti pagal prasmę nepaisant kalbos; "
        + "didžiausios grupės pirmos.",
      weak_questions: "Klausimų be gero atsakymo: {count}",
      no_gaps: "Per šį laikotarpį spragų nėra: į visus klausimus rastas tinkamas atsakymas.",
      size: "Paklausta",
      texts: "Formuluočių",
      trend: "Pirma pusė → antra pusė",
      languages: "Kalbos",
      nearest: "Artimiausias straipsnis",
      no_article: "nėra",
      similarity: "panašumas {score}",
      kind_gap: "Straipsnio dar nėra",
      kind_weak: "Straipsnis neatsako į klausimą",
      examples: "Ko klausė klientai",
      asked_times: "paklausta {count} k.",
      draft: "Kurti straipsnio juodraštį",
      drafting: "Kuriamas juodraštis…",
      top: "Dažniausi klausimai",
      unanswered: "Klausimai be gero atsakymo",
      question: "Klausimas",
      count: "Kartų",
      answer_rate: "Atsakytų dalis",
      last_asked: "Paskutinį kartą",
      not_answered: "Neatsakyta",
      not_helpful: "Pažymėta kaip nenaudinga",
      reasons: "Kodėl nenaudinga",
      reason_not_related: "ne į temą",
      reason_related_but_incomplete: "nepilnas",
      reason_other: "kita",
    },
  },

  async render(root, ctx) {
    const {h, t} = ctx;
    const filters = readFilters(ctx.params);
    root.append(filterForm(ctx, "questions", filters));
    const gapsSection = h("section", {id: "gaps", "aria-labelledby": "gaps-title"},
      h("h2", {id: "gaps-title"}, t("gaps")), exportButtons(ctx, "gaps", filters, t("gaps")), h("p", {}, t("gaps_intro")));
    const topSection = h("section", {id: "top", "aria-labelledby": "top-title"},
      h("h2", {id: "top-title"}, t("top")), exportButtons(ctx, "top-questions", filters, t("top")));
    const unansweredSection = h("section", {id: "unanswered", "aria-labelledby": "unanswered-title"},
      h("h2", {id: "unanswered-title"}, t("unanswered")), exportButtons(ctx, "unanswered", filters, t("unanswered")));
    root.append(gapsSection, topSection, unansweredSection);
    const [gaps, top, unanswered] = await Promise.allSettled([
      ctx.api("GET", `/v1/analytics/gaps${apiQuery(filters)}`),
      ctx.api("GET", `/v1/analytics/top-questions${apiQuery(filters)}`),
      ctx.api("GET", `/v1/analytics/unanswered${apiQuery(filters)}`),
    ]);
    show(gaps, gapsSection, (found) => gapList(ctx, found));
    show(top, topSection, (questions) => topTable(ctx, questions));
    show(unanswered, unansweredSection, (questions) => unansweredTable(ctx, questions));

    function show(result, section, build) {
      if (result.status === "fulfilled") section.append(...[build(result.value)].flat());
      else ctx.showError(result.reason);
    }
  },
};

function gapList(ctx, found) {
  const {h, t, language} = ctx;
  if (!found.clusters.length) return h("p", {class: "empty-state"}, t("no_gaps"));
  return [h("p", {}, t("weak_questions", {count: formatNumber(language, found.weak_questions)})),
          h("ol", {class: "clusters"}, found.clusters.map((cluster, index) => gapCluster(ctx, cluster, index)))];
}

function gapCluster(ctx, cluster, index) {
  const {h, t, language} = ctx;
  const [lead] = cluster.questions;
  const article = cluster.nearest_article;
  const weak = article && article.score >= WEAK_ARTICLE_SCORE;
  const list = new Intl.ListFormat(language, {type: "conjunction"});
  const draft = h("button", {type: "button", "aria-describedby": `gap-${index}-title`}, t("draft"));
  draft.addEventListener("click", async () => {
    draft.disabled = true;
    draft.textContent = t("drafting");
    try {
      const created = await ctx.api("POST", "/v1/articles/drafts", {
        questions: cluster.questions.map(({text, language: asked}) => ({text, language: asked})),
      });
      ctx.navigate("articles", {id: created.id});
    } catch (error) {
      draft.disabled = false;
      draft.textContent = t("draft");
      ctx.showError(error);
    }
  });
  const languages = Object.entries(cluster.languages).sort(([, a], [, b]) => b - a);
  return h("li", {class: "cluster", "data-size": cluster.size},
    h("h3", {id: `gap-${index}-title`, lang: lead.language}, lead.text), " ",
    h("span", {class: `badge ${weak ? "weak" : "gap"}`}, t(weak ? "kind_weak" : "kind_gap")),
    h("dl", {},
      h("div", {}, h("dt", {}, t("size")), h("dd", {}, h("data", {value: cluster.size},
        formatNumber(language, cluster.size)))),
      h("div", {}, h("dt", {}, t("texts")), h("dd", {}, formatNumber(language, cluster.texts))),
      h("div", {}, h("dt", {}, t("trend")), h("dd", {class: trendClass(cluster)},
        `${formatNumber(language, cluster.first_half)} → ${formatNumber(language, cluster.second_half)}`)),
      h("div", {}, h("dt", {}, t("languages")), h("dd", {class: "languages"}, joined(list, languages.map(
        ([code, count]) => h("data", {value: code}, `${t(`lang_${code}`)} ${formatNumber(language, count)}`))))),
      h("div", {}, h("dt", {}, t("nearest")), h("dd", {}, article
        ? [h("a", {href: `#/articles?id=${encodeURIComponent(article.id)}`}, article.title), " (",
           t("similarity", {score: formatNumber(language, Math.round(article.score * 100) / 100)}), ")"]
        : t("no_article")))),
    h("h4", {}, t("examples")),
    h("ul", {class: "gap-questions"}, cluster.questions.map((question) => h("li", {},
      h("q", {lang: question.language}, question.text), " ",
      h("span", {class: "notice"}, t("asked_times", {count: formatNumber(language, question.asked)}))))),
    draft);
}

/** Elements joined as the language lists things ("a, b and c"; 「a、b、c」). */
function joined(list, elements) {
  let next = 0;
  return list.formatToParts(elements.map(() => "x")).map((part) => (part.type === "element" ? elements[next++]
    : part.value));
}

function trendClass(cluster) {
  if (cluster.second_half > cluster.first_half) return "trend-up";
  return cluster.second_half < cluster.first_half ? "trend-down" : null;
}

function topTable(ctx, questions) {
  const {h, t, language} = ctx;
  return questionTable(ctx, "top-questions", t("top"), questions, [
    [t("count"), (question) => number(ctx, question.count)],
    [t("answer_rate"), (question) => h("data", {value: question.answer_rate ?? ""},
      formatRate(language, question.answer_rate))],
    [t("last_asked"), (question) => h("time", {datetime: question.last_asked}, formatMoment(language, question.last_asked))],
  ]);
}

function unansweredTable(ctx, questions) {
  const {h, t, language} = ctx;
  return questionTable(ctx, "unanswered-questions", t("unanswered"), questions, [
    [t("count"), (question) => number(ctx, question.count)],
    [t("not_answered"), (question) => number(ctx, question.not_answered)],
    [t("not_helpful"), (question) => number(ctx, question.not_helpful)],
    [t("reasons"), (question) => Object.entries(question.reasons).map(([reason, count]) =>
      `${REASONS.includes(reason) ? t(`reason_${reason}`) : reason} ${formatNumber(language, count)}`).join(", ")],
    [t("last_asked"), (question) => h("time", {datetime: question.last_asked}, formatMoment(language, question.last_asked))],
  ]);
}

function number(ctx, value) {
  return ctx.h("data", {value}, formatNumber(ctx.language, value));
}

/** A table with a row per question: its text (as text, whatever it holds), then `columns` ([header, cell]). */
function questionTable(ctx, id, caption, questions, columns) {
  const {h, t} = ctx;
  if (!questions.length) return h("p", {class: "empty-state"}, t("empty_period"));
  return h("div", {class: "table-wrap"}, h("table", {id},
    h("caption", {class: "visually-hidden"}, caption),
    h("thead", {}, h("tr", {}, h("th", {scope: "col"}, t("question")),
      columns.map(([header]) => h("th", {scope: "col"}, header)))),
    h("tbody", {}, questions.map((question) => h("tr", {},
      h("th", {scope: "row", class: "query"}, question.query),
      columns.map(([, cell]) => h("td", {}, cell(question))))))));
}
