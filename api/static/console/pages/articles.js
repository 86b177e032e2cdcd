// Articles: the list (search and filters) and the editor (a tab per language, save, publish, delete) with a live
// preview of the reply on the help page, in chat and by email for a test question.
//
// Search is a filter in the browser over every article (GET /v1/articles, 200 a page), not GET /v1/search:
// /v1/search never returns drafts, answers in one language, and ranks by meaning with a confidence cut, while
// the person looking for "the draft about vouchers" needs every visibility, every language and plain matching.

import {LANGUAGE_NAMES, LANGUAGES, formatMoment} from "../i18n.js";
import {allArticles, titleOf, variantOf} from "./catalogue.js";
import {FieldErrors, debounce, errorSlot, field, inlineConfirm, uid} from "./fields.js";
import {tabs} from "./tabs.js";

const PAGE_SIZE = 25;
const VISIBILITIES = ["published", "draft", "internal"];
const PREVIEW_CHANNELS = ["help_page", "chat", "email"];
const PREVIEW_WAIT_MS = 500;
const ARTICLE_ID = /^[a-z0-9][a-z0-9-]{0,79}$/;  // kb.models.ARTICLE_ID
const LIST_SEPARATORS = /[,、，]/;  // tags may be typed with a Japanese or Chinese comma too
// fields the form does not show, kept as they are on save
const KEPT_FIELDS = ["product", "valid_from", "valid_until"];

export default {
  id: "articles",
  strings: {
    en: {
      nav: "Articles",
      search: "Search",
      search_hint: "Looks in titles, summaries, example questions, text, tags and IDs in every language, drafts "
        + "included.",
      category: "Category",
      any_category: "All categories",
      visibility: "Visibility",
      any_visibility: "Any visibility",
      visibility_published: "Published",
      visibility_draft: "Draft",
      visibility_internal: "Internal (agents only)",
      article_language: "Language",
      any_language: "Any language",
      has_language: "Has {language}",
      lacks_language: "Missing {language}",
      new_article: "New article",
      counted: "{from}–{to} of {matched} matching ({total} articles in all)",
      no_match: "No article matches these filters.",
      column_title: "Title",
      column_id: "ID",
      column_languages: "Languages",
      column_updated: "Updated",
      pages: "Pages of results",
      previous: "Previous",
      next: "Next",
      page_of: "Page {page} of {pages}",
      back: "All articles",
      id: "ID",
      id_hint: "Lowercase letters, digits and hyphens. It cannot be changed later.",
      id_invalid: "Use lowercase letters, digits and hyphens (at most 80), starting with a letter or a digit.",
      id_taken: "There is already an article with this ID.",
      tags: "Tags",
      tags_hint: "Separate tags with commas.",
      languages: "Languages",
      add_language: "Add a language",
      add_named_language: "Add {language}",
      remove_language: "Remove the {language} version",
      title: "Title",
      summary: "Summary",
      summary_hint: "The short answer: the help page shows only this.",
      body: "Full answer",
      body_hint: "Used in chat and email replies.",
      questions: "Example questions",
      questions_hint: "One per line, at least three, worded the way customers ask.",
      save: "Save",
      saving: "Saving…",
      saved: "Saved (version {version}).",
      publish: "Publish",
      published: "Published: customers can find it now.",
      delete: "Delete",
      confirm_delete: "Delete this article for good? Customers stop seeing it at once.",
      confirm_delete_yes: "Yes, delete it",
      cancel: "Cancel",
      unsaved: "Unsaved changes.",
      fix_fields: "Some fields need attention: see the messages next to them.",
      changed_elsewhere: "Someone else changed this article after you opened it (it is now version {version}). "
        + "Copy your changes, reload the page and make them again.",
      draft_note: "This article is a draft: customers do not see it until you publish it.",
      preview: "Preview",
      preview_question: "Test question",
      preview_hint: "The replies customers would get with this article as it is in the form, unsaved changes "
        + "included, in the language of the tab you are on.",
      preview_updating: "Updating the preview…",
      preview_updated: "Preview updated.",
      preview_needs_question: "Type a question to see the replies.",
      preview_problem: "No preview: {problem}",
      preview_fields: "Fix the fields marked in the form to see the preview.",
    },
    ja: {
      nav: "記事",
      search: "検索",
      search_hint: "すべての言語のタイトル・概要・質問例・本文・タグ・ID から探します（下書きも含みます）。",
      category: "カテゴリ",
      any_category: "すべてのカテゴリ",
      visibility: "公開状態",
      any_visibility: "すべての公開状態",
      visibility_published: "公開中",
      visibility_draft: "下書き",
      visibility_internal: "社内限定（担当者のみ）",
      article_language: "言語",
      any_language: "すべての言語",
      has_language: "{language}版あり",
      lacks_language: "{language}版が未作成",
      new_article: "記事を作成",
      counted: "該当 {matched} 件中 {from}〜{to} 件目（全 {total} 件）",
      no_match: "条件に合う記事はありません。",
      column_title: "タイトル",
      column_id: "ID",
      column_languages: "言語",
      column_updated: "更新日時",
      pages: "検索結果のページ",
      previous: "前へ",
      next: "次へ",
      page_of: "{page} / {pages} ページ",
      back: "記事一覧に戻る",
      id: "ID",
      id_hint: "半角の英小文字・数字・ハイフンで入力します。あとから変更はできません。",
      id_invalid: "半角の英小文字・数字・ハイフン（80 文字以内、先頭は英字か数字）で入力してください。",
      id_taken: "この ID の記事はすでにあります。",
      tags: "タグ",
      tags_hint: "複数のタグはカンマで区切ってください。",
      languages: "言語",
      add_language: "言語を追加",
      add_named_language: "{language}版を追加",
      remove_language: "{language}版を削除",
      title: "タイトル",
      summary: "概要",
      summary_hint: "短い回答です。ヘルプページにはこの部分だけが表示されます。",
      body: "本文（詳しい回答）",
      body_hint: "チャットとメールの返信に使われます。",
      questions: "質問例",
      questions_hint: "お客様の実際の聞き方で、1 行に 1 つ、3 つ以上入力してください。",
      save: "保存",
      saving: "保存しています…",
      saved: "保存しました（バージョン {version}）。",
      publish: "公開する",
      published: "公開しました。お客様の検索結果に表示されます。",
      delete: "削除",
      confirm_delete: "この記事を完全に削除しますか？お客様にはすぐに表示されなくなります。",
      confirm_delete_yes: "削除する",
      cancel: "キャンセル",
      unsaved: "保存していない変更があります。",
      fix_fields: "入力内容を確認してください。各項目の横にメッセージを表示しています。",
      changed_elsewhere: "この記事を開いた後に、別の方が更新しました（現在はバージョン {version}）。"
        + "変更内容を控えてからページを再読み込みし、もう一度入力してください。",
      draft_note: "この記事は下書きです。公開するまでお客様には表示されません。",
      preview: "プレビュー",
      preview_question: "テスト用の質問",
      preview_hint: "フォームの内容（保存前の変更を含む）で、お客様に届く返信を表示します。言語は選択中のタブのものです。",
      preview_updating: "プレビューを更新しています…",
      preview_updated: "プレビューを更新しました。",
      preview_needs_question: "質問を入力すると返信が表示されます。",
      preview_problem: "プレビューを表示できません：{problem}",
      preview_fields: "フォームで示された項目を直すと、プレビューが表示されます。",
    },
    zh: {
      nav: "文章",
      search: "搜索",
      search_hint: "在所有语言的标题、摘要、示例问题、正文、标签和 ID 中查找，包括草稿。",
      category: "分类",
      any_category: "全部分类",
      visibility: "可见范围",
      any_visibility: "全部可见范围",
      visibility_published: "已发布",
      visibility_draft: "草稿",
      visibility_internal: "仅内部（客服可见）",
      article_language: "语言",
      any_language: "全部语言",
      has_language: "有{language}版本",
      lacks_language: "缺少{language}版本",
      new_article: "新建文章",
      counted: "符合条件 {matched} 篇，当前第 {from}–{to} 篇（共 {total} 篇）",
      no_match: "没有符合条件的文章。",
      column_title: "标题",
      column_id: "ID",
      column_languages: "语言",
      column_updated: "更新时间",
      pages: "结果翻页",
      previous: "上一页",
      next: "下一页",
      page_of: "第 {page} / {pages} 页",
      back: "返回文章列表",
      id: "ID",
      id_hint: "只能使用小写英文字母、数字和连字符，保存后不能修改。",
      id_invalid: "请使用小写英文字母、数字和连字符（不超过 80 个字符，以字母或数字开头）。",
      id_taken: "已有使用这个 ID 的文章。",
      tags: "标签",
      tags_hint: "多个标签请用逗号分隔。",
      languages: "语言版本",
      add_language: "添加语言",
      add_named_language: "添加{language}版本",
      remove_language: "删除{language}版本",
      title: "标题",
      summary: "摘要",
      summary_hint: "简短的回答；帮助页面只显示这一段。",
      body: "正文（完整回答）",
      body_hint: "用于在线聊天和邮件回复。",
      questions: "示例问题",
      questions_hint: "按顾客的说法填写，每行一个，至少三个。",
      save: "保存",
      saving: "正在保存…",
      saved: "已保存（第 {version} 版）。",
      publish: "发布",
      published: "已发布，顾客现在可以搜到这篇文章了。",
      delete: "删除",
      confirm_delete: "确定要永久删除这篇文章吗？顾客将立即看不到它。",
      confirm_delete_yes: "确定删除",
      cancel: "取消",
      unsaved: "有尚未保存的修改。",
      fix_fields: "有些内容需要修改，请查看字段旁边的提示。",
      changed_elsewhere: "您打开这篇文章后，其他人修改了它（现在是第 {version} 版）。请先复制您的修改，刷新页面后重新填写。",
      draft_note: "这篇文章还是草稿，发布之前顾客看不到。",
      preview: "预览",
      preview_question: "测试问题",
      preview_hint: "按表单中的当前内容（包括未保存的修改）显示顾客会收到的回复，语言为当前选中的标签页。",
      preview_updating: "正在更新预览…",
      preview_updated: "预览已更新。",
      preview_needs_question: "输入一个问题即可看到回复。",
      preview_problem: "无法预览：{problem}",
      preview_fields: "请先修改表单中标出的字段，之后即可看到预览。",
    },
    lt: {
      nav: "Straipsniai",
      search: "Paieška",
      search_hint: "Ieško visų kalbų pavadinimuose, santraukose, klausimų pavyzdžiuose, tekste, žymose ir ID, "
        + "taip pat ir juodraščiuose.",
      category: "Kategorija",
      any_category: "Visos kategorijos",
      visibility: "Matomumas",
      any_visibility: "Bet koks matomumas",
      visibility_published: "Paskelbtas",
      visibility_draft: "Juodraštis",
      visibility_internal: "Vidinis (tik komandai)",
      article_language: "Kalba",
      any_language: "Visos kalbos",
      has_language: "Yra versija: {language}",
      lacks_language: "Trūksta versijos: {language}",
      new_article: "Naujas straipsnis",
      counted: "Rodoma {from}–{to} iš {matched} tinkamų (iš viso straipsnių: {total})",
      no_match: "Pagal šiuos filtrus straipsnių nerasta.",
      column_title: "Pavadinimas",
      column_id: "ID",
      column_languages: "Kalbos",
      column_updated: "Atnaujinta",
      pages: "Rezultatų puslapiai",
      previous: "Ankstesnis",
      next: "Kitas",
      page_of: "{page} psl. iš {pages}",
      back: "Visi straipsniai",
      id: "ID",
      id_hint: "Mažosios lotyniškos raidės, skaitmenys ir brūkšneliai. Vėliau jo pakeisti nebus galima.",
      id_invalid: "Naudokite mažąsias lotyniškas raides, skaitmenis ir brūkšnelius (iki 80 ženklų); pradžioje – "
        + "raidė arba skaitmuo.",
      id_taken: "Straipsnis su tokiu ID jau yra.",
      tags: "Žymos",
      tags_hint: "Kelias žymas atskirkite kableliais.",
      languages: "Kalbos",
      add_language: "Pridėti kalbą",
      add_named_language: "Pridėti versiją: {language}",
      remove_language: "Pašalinti versiją: {language}",
      title: "Pavadinimas",
      summary: "Santrauka",
      summary_hint: "Trumpas atsakymas: pagalbos puslapyje rodoma tik ji.",
      body: "Visas atsakymas",
      body_hint: "Naudojamas atsakant pokalbyje ir el. paštu.",
      questions: "Klausimų pavyzdžiai",
      questions_hint: "Po vieną eilutėje, bent trys, taip, kaip klausia klientai.",
      save: "Išsaugoti",
      saving: "Saugoma…",
      saved: "Išsaugota (versija {version}).",
      publish: "Paskelbti",
      published: "Paskelbta: klientai jau gali jį rasti.",
      delete: "Ištrinti",
      confirm_delete: "Ištrinti šį straipsnį visam laikui? Klientai jo iškart nebematys.",
      confirm_delete_yes: "Taip, ištrinti",
      cancel: "Atšaukti",
      unsaved: "Yra neišsaugotų pakeitimų.",
      fix_fields: "Kai kuriuos laukus reikia pataisyti – žr. pranešimus prie jų.",
      changed_elsewhere: "Kol dirbote, šį straipsnį pakeitė kažkas kitas (dabar tai versija {version}). "
        + "Nusikopijuokite savo pakeitimus, įkelkite puslapį iš naujo ir įveskite juos dar kartą.",
      draft_note: "Tai juodraštis: klientai jo nematys, kol jo nepaskelbsite.",
      preview: "Peržiūra",
      preview_question: "Bandomasis klausimas",
      preview_hint: "Tokius atsakymus gautų klientai su straipsniu, koks jis dabar formoje (su neišsaugotais "
        + "pakeitimais), pasirinkto skirtuko kalba.",
      preview_updating: "Peržiūra atnaujinama…",
      preview_updated: "Peržiūra atnaujinta.",
      preview_needs_question: "Įrašykite klausimą ir pamatysite atsakymus.",
      preview_problem: "Peržiūros nėra: {problem}",
      preview_fields: "Pataisykite formoje pažymėtus laukus ir peržiūra atsinaujins.",
    },
  },

  async render(root, ctx) {
    if (ctx.params.id || "new" in ctx.params) await renderEditor(root, ctx);
    else await renderList(root, ctx);
  },
};

/** A <select> of [value, label] pairs. */
function choice(ctx, options, value = "") {
  const select = ctx.h("select", {}, options.map(([key, label]) => ctx.h("option", {value: key}, label)));
  select.value = value;
  return select;
}

function articlePath(id) {
  return `/v1/articles/${encodeURIComponent(id)}`;
}

function searchable(text) {
  return String(text).normalize("NFKC").toLowerCase();
}

// ---------------------------------------------------------------- the list

async function renderList(root, ctx) {
  const {h, t} = ctx;
  const articles = await allArticles(ctx);
  const haystacks = new Map(articles.map((article) => [article, searchable([
    article.id, article.category, ...article.tags,
    ...Object.values(article.variants).flatMap((v) => [v.title, v.summary, v.body, ...v.questions]),
  ].join("\n"))]));
  const categories = [...new Set(articles.map((article) => article.category))].sort();

  const search = h("input", {type: "search", autocomplete: "off"});
  const category = choice(ctx, [["", t("any_category")], ...categories.map((name) => [name, name])]);
  const visibility = choice(ctx, [["", t("any_visibility")],
                                  ...VISIBILITIES.map((name) => [name, t(`visibility_${name}`)])]);
  const language = choice(ctx, [["", t("any_language")],
    ...LANGUAGES.map((code) => [code, t("has_language", {language: t(`lang_${code}`)})]),
    ...LANGUAGES.map((code) => [`-${code}`, t("lacks_language", {language: t(`lang_${code}`)})])]);
  const create = h("a", {href: "#/articles?new=", class: "button"}, t("new_article"));
  const counted = h("p", {role: "status", class: "counted"});
  const rows = h("tbody");
  const previous = h("button", {type: "button"}, t("previous"));
  const next = h("button", {type: "button"}, t("next"));
  const pageOf = h("span", {class: "page-of"});
  let page = 0;

  function matching() {
    const terms = searchable(search.value).split(/\s+/).filter(Boolean);
    const wanted = language.value.replace("-", "");
    return articles.filter((article) => terms.every((term) => haystacks.get(article).includes(term))
      && (!category.value || article.category === category.value)
      && (!visibility.value || article.visibility === visibility.value)
      && (!wanted || (wanted in article.variants) !== language.value.startsWith("-")));
  }

  function show() {
    const found = matching();
    const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = found.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    rows.replaceChildren(...shown.map((article) => row(ctx, article)));
    if (!shown.length) rows.append(h("tr", {}, h("td", {colspan: "6"}, t("no_match"))));
    counted.textContent = found.length ? t("counted", {from: page * PAGE_SIZE + 1, to: page * PAGE_SIZE + shown.length,
                                                         matched: found.length, total: articles.length})
      : t("no_match");
    pageOf.textContent = t("page_of", {page: page + 1, pages});
    previous.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }

  for (const control of [search, category, visibility, language]) {
    control.addEventListener(control === search ? "input" : "change", () => {
      page = 0;
      show();
    });
  }
  previous.addEventListener("click", () => {
    page -= 1;
    show();
  });
  next.addEventListener("click", () => {
    page += 1;
    show();
  });

  root.append(
    h("div", {class: "toolbar", role: "search"},
      field(ctx, {label: t("search"), control: search, hint: t("search_hint"), className: "grow"}),
      field(ctx, {label: t("category"), control: category}),
      field(ctx, {label: t("visibility"), control: visibility}),
      field(ctx, {label: t("article_language"), control: language}),
      create),
    counted,
    h("table", {class: "articles"},
      h("thead", {}, h("tr", {}, ["column_title", "column_id", "column_languages", "category", "visibility",
                                  "column_updated"].map((key) => h("th", {scope: "col"}, t(key))))),
      rows),
    h("nav", {class: "pager", "aria-label": t("pages")}, previous, pageOf, next));
  show();
}

function row(ctx, article) {
  const {h, t} = ctx;
  const variant = variantOf(article, ctx.language);
  return h("tr", {},
    h("td", {}, h("a", {href: `#/articles?id=${encodeURIComponent(article.id)}`, lang: variant?.language},
                  titleOf(article, ctx.language))),
    h("td", {}, h("code", {}, article.id)),
    h("td", {}, LANGUAGES.filter((code) => article.variants[code]).join(" ")),
    h("td", {}, article.category),
    h("td", {}, h("span", {class: `badge badge-${article.visibility}`}, t(`visibility_${article.visibility}`))),
    h("td", {}, formatMoment(ctx.language, article.updated_at)));
}

// ---------------------------------------------------------------- the editor

const EMPTY_ARTICLE = {id: "", category: "", tags: [], visibility: "draft", variants: {}, version: 0};

async function renderEditor(root, ctx) {
  const {h, t} = ctx;
  const isNew = !ctx.params.id;
  let article = isNew ? EMPTY_ARTICLE : await ctx.api("GET", articlePath(ctx.params.id));
  const errors = new FieldErrors();
  const variants = new Map();  // language -> {title, summary, body, questions} controls

  // the article as a whole
  const idInput = h("input", {type: "text", autocomplete: "off", spellcheck: "false", required: true});
  const idErrors = new FieldErrors();
  const category = h("input", {type: "text", autocomplete: "off", required: true});
  const tags = h("input", {type: "text", autocomplete: "off"});
  const visibility = choice(ctx, VISIBILITIES.map((name) => [name, t(`visibility_${name}`)]));
  const heading = h("h2", {});
  const draftNote = h("p", {class: "notice"}, t("draft_note"));
  const status = h("p", {role: "status", class: "status"});

  // a tab per language, and buttons to add the missing ones
  let ready = false;  // the preview's controls exist (tabs select their first language while being built)
  const languageTabs = tabs(ctx, {label: t("languages"), onSelect: () => ready && languageChanged()});
  const adders = h("div", {role: "group", class: "add-language", "aria-label": t("add_language")});

  function addLanguage(language, variant) {
    const title = h("input", {type: "text", lang: language});
    const summary = h("textarea", {rows: "3", lang: language});
    const body = h("textarea", {rows: "10", lang: language});
    const questions = h("textarea", {rows: "5", lang: language});
    title.value = variant.title;
    summary.value = variant.summary;
    body.value = variant.body;
    questions.value = variant.questions.join("\n");
    const reveal = () => languageTabs.select(language);
    const at = (name) => `variants.${language}.${name}`;
    const remove = h("button", {type: "button", class: "secondary remove-language"},
                     t("remove_language", {language: t(`lang_${language}`)}));
    remove.addEventListener("click", () => {
      languageTabs.remove(language);
      variants.delete(language);
      errors.forget(`variants.${language}`);
      changed();
      showAdders();
    });
    const panel = h("div", {class: "variant", id: uid("variant")},
      field(ctx, {label: t("title"), control: title, path: at("title"), errors, reveal}),
      field(ctx, {label: t("summary"), control: summary, hint: t("summary_hint"), path: at("summary"), errors,
                  reveal}),
      field(ctx, {label: t("body"), control: body, hint: t("body_hint"), path: at("body"), errors, reveal}),
      field(ctx, {label: t("questions"), control: questions, hint: t("questions_hint"), path: at("questions"),
                  errors, reveal}),
      remove);
    // a problem with the language version as a whole (the API names "variants.<language>"), on top of its panel
    const whole = errorSlot(ctx, panel);
    panel.prepend(whole);
    panel.setAttribute("aria-describedby", whole.id);
    errors.register(`variants.${language}`, {control: panel, slot: whole, reveal});
    variants.set(language, {title, summary, body, questions, remove});
    languageTabs.add(language, LANGUAGE_NAMES[language], panel, {lang: language});
    showAdders();
  }

  function showAdders() {
    const missing = LANGUAGES.filter((language) => !variants.has(language));
    adders.replaceChildren(...missing.map((language) => {
      const button = h("button", {type: "button", class: "secondary"},
                       t("add_named_language", {language: t(`lang_${language}`)}));
      button.addEventListener("click", () => {
        addLanguage(language, {title: "", summary: "", body: "", questions: []});
        languageTabs.select(language, {focus: true});
        changed();
      });
      return button;
    }));
    adders.hidden = !missing.length;
    for (const {remove} of variants.values()) remove.hidden = variants.size < 2;
  }

  /** The article as the form holds it: the body of PUT /v1/articles/{id} and of the preview. */
  function collect() {
    const body = {};
    for (const name of KEPT_FIELDS) if (article[name] !== undefined && article[name] !== null) body[name] = article[name];
    body.category = category.value;
    body.tags = tags.value.split(LIST_SEPARATORS).map((tag) => tag.trim()).filter(Boolean);
    body.visibility = visibility.value;
    body.variants = {};
    for (const language of LANGUAGES.filter((code) => variants.has(code))) {
      const controls = variants.get(language);
      body.variants[language] = {title: controls.title.value, summary: controls.summary.value,
                                 body: controls.body.value,
                                 questions: controls.questions.value.split("\n").map((q) => q.trim()).filter(Boolean)};
    }
    return body;
  }

  function load(saved) {
    article = saved;
    idInput.value = saved.id;
    category.value = saved.category;
    tags.value = saved.tags.join(", ");
    visibility.value = saved.visibility;
    heading.textContent = saved.id ? titleOf(saved, ctx.language) : t("new_article");
    draftNote.hidden = saved.visibility !== "draft";
  }

  load(article);
  for (const language of LANGUAGES) if (article.variants[language]) addLanguage(language, article.variants[language]);
  if (!variants.size) addLanguage(LANGUAGES.includes(ctx.language) ? ctx.language : "en",
                                  {title: "", summary: "", body: "", questions: []});
  languageTabs.select(variants.has(ctx.language) ? ctx.language : languageTabs.ids()[0]);
  let snapshot = JSON.stringify(collect());

  // actions
  const save = h("button", {type: "submit"}, t("save"));
  const publish = h("button", {type: "button"}, t("publish"));
  const remove = h("button", {type: "button", class: "danger"}, t("delete"));
  const confirm = inlineConfirm(ctx, remove, {
    label: t("delete"), question: t("confirm_delete"), yes: t("confirm_delete_yes"),
    action: async () => {
      await ctx.api("DELETE", articlePath(article.id));
      ctx.navigate("articles");
    },
  });

  function showActions() {
    publish.hidden = isNew || article.visibility !== "draft";
    remove.hidden = isNew;
  }

  function changed() {
    const dirty = JSON.stringify(collect()) !== snapshot;
    status.textContent = dirty ? t("unsaved") : "";
    schedulePreview();
  }

  async function write() {
    idErrors.clear();
    const body = collect();
    const id = isNew ? idInput.value.trim() : article.id;
    if (isNew && !ARTICLE_ID.test(id)) {
      idErrors.show({detail: `id: ${t("id_invalid")}`});
      return false;
    }
    status.textContent = t("saving");
    try {
      // no If-Match from the console's client: read the version first, so another person's edit is not overwritten
      const current = await ctx.api("GET", articlePath(id)).catch((error) => {
        if (error.status === 404) return null;
        throw error;
      });
      if (isNew && current) {
        idErrors.show({detail: `id: ${t("id_taken")}`});
        status.textContent = "";
        return false;
      }
      if (!isNew && current && current.version !== article.version) {
        status.textContent = t("changed_elsewhere", {version: current.version});
        return false;
      }
      const saved = await ctx.api("PUT", articlePath(id), body);
      if (isNew) {
        ctx.navigate("articles", {id: saved.id});
        return true;
      }
      load(saved);
      snapshot = JSON.stringify(collect());
      errors.clear();
      status.textContent = t("saved", {version: saved.version});
      showActions();
      return true;
    } catch (error) {
      showProblems(error);
      return false;
    }
  }

  /** A 422 next to the fields it names (what no field takes, and other errors, at the top of the page). */
  function showProblems(error) {
    status.textContent = "";
    if (error.status === 422 && !errors.show(error).length) status.textContent = t("fix_fields");
    else ctx.showError(error);
  }

  const form = h("form", {class: "article-form", novalidate: true});
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    write();
  });
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  publish.addEventListener("click", async () => {
    try {
      if (JSON.stringify(collect()) !== snapshot && !(await write())) return;
      const saved = await ctx.api("PATCH", articlePath(article.id), {visibility: "published"});
      load(saved);
      snapshot = JSON.stringify(collect());
      status.textContent = t("published");
      showActions();
      save.focus();
    } catch (error) {
      showProblems(error);
    }
  });
  showActions();

  // the live preview
  const question = h("input", {type: "text", autocomplete: "off"});
  let questionTyped = false;
  question.addEventListener("input", () => {
    questionTyped = true;
    schedulePreview();
  });
  const previewStatus = h("p", {role: "status", class: "status"});
  const replies = new Map(PREVIEW_CHANNELS.map((channel) => [channel, h("pre", {class: "reply"})]));
  const previewHeading = h("h2", {id: uid("preview")}, t("preview"));
  const preview = h("section", {class: "preview", "aria-labelledby": previewHeading.id},
    previewHeading,
    field(ctx, {label: t("preview_question"), control: question, hint: t("preview_hint")}),
    previewStatus,
    PREVIEW_CHANNELS.map((channel) => h("section", {class: "reply-channel", "data-channel": channel},
      h("h3", {}, t(`channel_${channel}`)), replies.get(channel))));
  let previewRun = 0;

  function languageChanged() {
    const language = languageTabs.selected();
    if (!questionTyped && variants.has(language)) {
      question.value = variants.get(language).questions.value.split("\n").map((q) => q.trim()).find(Boolean) || "";
      question.lang = language;
    }
    schedulePreview();
  }

  async function refreshPreview() {
    const run = ++previewRun;
    const language = languageTabs.selected();
    const text = question.value.trim();
    if (!text || !language) {
      previewStatus.textContent = t("preview_needs_question");
      for (const reply of replies.values()) reply.textContent = "";
      return;
    }
    previewStatus.textContent = t("preview_updating");
    preview.setAttribute("aria-busy", "true");
    const draft = collect();
    const results = await Promise.allSettled(PREVIEW_CHANNELS.map((channel) => ctx.api(
      "POST", "/v1/articles/preview", {article: draft, id: isNew ? undefined : article.id, question: text, channel,
                                       language})));
    if (run !== previewRun) return;  // a newer edit's preview is on its way
    preview.removeAttribute("aria-busy");
    const failed = results.find((result) => result.status === "rejected")?.reason;
    PREVIEW_CHANNELS.forEach((channel, index) => {
      const reply = replies.get(channel);
      reply.textContent = results[index].status === "fulfilled" ? results[index].value.text : "";
      reply.lang = results[index].value?.language || language;
    });
    preview.dataset.question = text;  // what the replies shown answer
    if (!failed) {
      errors.clear();
      previewStatus.textContent = t("preview_updated");
    } else if (failed.status === 422) {
      const left = errors.show(failed, {prefix: "article.", focus: false});
      previewStatus.textContent = left.length ? t("preview_problem", {problem: left.map((p) => p.message).join(" "),
      }) : t("preview_fields");
    } else {
      previewStatus.textContent = t("preview_problem", {problem: failed.detail ?? failed.message});
      if (failed.status === undefined || failed.status >= 500 || failed.status === 0) ctx.showError(failed);
    }
  }
  const schedulePreview = debounce(() => refreshPreview().catch(ctx.showError), PREVIEW_WAIT_MS);

  form.append(...[
    isNew && field(ctx, {label: t("id"), control: idInput, hint: t("id_hint"), path: "id", errors: idErrors}),
    h("div", {class: "field-row"},
      field(ctx, {label: t("category"), control: category, path: "category", errors}),
      field(ctx, {label: t("tags"), control: tags, hint: t("tags_hint"), path: "tags", errors}),
      field(ctx, {label: t("visibility"), control: visibility, path: "visibility", errors})),
    h("h3", {}, t("languages")),
    languageTabs.element,
    adders,
    h("div", {class: "actions"}, save, publish, remove),
    confirm,
    status].filter(Boolean));
  root.append(
    h("p", {}, h("a", {href: "#/articles"}, t("back"))),
    heading,
    draftNote,
    h("div", {class: "editor"}, form, preview));
  ready = true;
  languageChanged();
}
