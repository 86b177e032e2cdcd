// Relevance controls: synonym groups per language (GET/PUT /v1/synonyms) and pinned results (GET/PUT /v1/pins).
// Each PUT replaces all of the tenant's groups or pins, so each form sends every row it shows.

import {LANGUAGE_NAMES, LANGUAGES} from "../i18n.js";
import {allArticles, titleOf} from "./catalogue.js";
import {FieldErrors, errorSlot, field, uid} from "./fields.js";
import {tabs} from "./tabs.js";

const TERM_SEPARATORS = /[,、，]/;  // typed with a Latin, Japanese or Chinese comma

export default {
  id: "relevance",
  strings: {
    en: {
      nav: "Synonyms & pins",
      synonyms: "Synonyms",
      synonyms_intro: "Words your customers use for the same thing. A search with one of them also finds articles "
        + "that use another. This applies to word matching; search by meaning already knows most everyday synonyms, "
        + "so add product nicknames, brand words and local terms.",
      group: "Group {n}",
      group_hint: "Two or more words or phrases, separated by commas.",
      no_groups: "No synonyms in this language yet.",
      add_group: "Add a group",
      remove: "Remove",
      save_synonyms: "Save synonyms",
      pins: "Pinned results",
      pins_intro: "When a search contains the text of a pin, its article comes first (in search boxes and in "
        + "answers), as long as the person asking may see it. The first matching pin wins.",
      pin: "Pin {n}",
      pattern: "When the search contains",
      pin_language: "Language",
      every_language: "Every language",
      article: "Show this article first",
      no_pins: "Nothing is pinned yet.",
      add_pin: "Add a pin",
      save_pins: "Save pins",
      saving: "Saving…",
      saved: "Saved: searches use it from now on.",
      unsaved: "Unsaved changes.",
      not_saved: "Not saved: {problem}",
      fix_fields: "Not saved: fix what is marked.",
    },
    ja: {
      nav: "同義語と固定表示",
      synonyms: "同義語",
      synonyms_intro: "お客様が同じものを指して使う言葉です。どれか 1 つで検索すると、ほかの言葉を使った記事も見つかります。"
        + "単語の一致による検索に効きます。意味による検索は一般的な言い換えをすでに理解しているので、"
        + "製品の愛称やブランド独自の言葉、地域の言い方を登録してください。",
      group: "グループ {n}",
      group_hint: "2 つ以上の言葉をカンマで区切って入力します。",
      no_groups: "この言語の同義語はまだありません。",
      add_group: "グループを追加",
      remove: "削除",
      save_synonyms: "同義語を保存",
      pins: "検索結果の固定表示",
      pins_intro: "検索語に指定した文字列が含まれると、その記事が一番上に表示されます（検索ボックスと回答の両方）。"
        + "ただし、質問者が閲覧できる記事に限ります。複数当てはまる場合は、上にあるものが優先されます。",
      pin: "固定表示 {n}",
      pattern: "検索語に含まれる文字列",
      pin_language: "言語",
      every_language: "すべての言語",
      article: "一番上に表示する記事",
      no_pins: "固定表示はまだありません。",
      add_pin: "固定表示を追加",
      save_pins: "固定表示を保存",
      saving: "保存しています…",
      saved: "保存しました。これからの検索に反映されます。",
      unsaved: "保存していない変更があります。",
      not_saved: "保存されていません：{problem}",
      fix_fields: "保存されていません。印の付いた項目を直してください。",
    },
    zh: {
      nav: "同义词与置顶",
      synonyms: "同义词",
      synonyms_intro: "顾客用来指同一样东西的不同说法。用其中一个词搜索，也能找到使用其他说法的文章。"
        + "这只影响按字词匹配的搜索；按语义的搜索已经能理解大多数常见同义词，所以请重点添加产品昵称、品牌用语和地方说法。",
      group: "第 {n} 组",
      group_hint: "两个或以上的词语，用逗号分隔。",
      no_groups: "这个语言还没有同义词。",
      add_group: "添加一组",
      remove: "删除",
      save_synonyms: "保存同义词",
      pins: "置顶结果",
      pins_intro: "搜索内容包含置顶规则中的文字时，对应文章会排在第一位（搜索框和自动回答都是如此），"
        + "前提是提问的人有权查看这篇文章。多条规则同时符合时，以排在前面的为准。",
      pin: "置顶规则 {n}",
      pattern: "搜索内容包含",
      pin_language: "语言",
      every_language: "所有语言",
      article: "置顶的文章",
      no_pins: "还没有置顶规则。",
      add_pin: "添加置顶规则",
      save_pins: "保存置顶规则",
      saving: "正在保存…",
      saved: "已保存，之后的搜索都会使用。",
      unsaved: "有尚未保存的修改。",
      not_saved: "未保存：{problem}",
      fix_fields: "未保存：请修改标出的内容。",
    },
    lt: {
      nav: "Sinonimai ir prisegti",
      synonyms: "Sinonimai",
      synonyms_intro: "Žodžiai, kuriais klientai vadina tą patį dalyką. Ieškant vienu iš jų, randami ir straipsniai, "
        + "kuriuose vartojamas kitas. Tai taikoma paieškai pagal žodžius; paieška pagal prasmę daugumą įprastų "
        + "sinonimų jau supranta, todėl verta įrašyti prekių pravardes, prekės ženklo ir vietinius žodžius.",
      group: "Grupė {n}",
      group_hint: "Du ar daugiau žodžių ar frazių, atskirtų kableliais.",
      no_groups: "Šia kalba sinonimų dar nėra.",
      add_group: "Pridėti grupę",
      remove: "Pašalinti",
      save_synonyms: "Išsaugoti sinonimus",
      pins: "Prisegti rezultatai",
      pins_intro: "Kai paieškos tekste yra prisegimo frazė, jo straipsnis rodomas pirmas (paieškos laukelyje ir "
        + "atsakymuose), jei klausiantysis gali jį matyti. Jei tinka keli, laimi aukščiau esantis.",
      pin: "Prisegimas {n}",
      pattern: "Kai paieškos tekste yra",
      pin_language: "Kalba",
      every_language: "Visos kalbos",
      article: "Pirmiausia rodyti straipsnį",
      no_pins: "Kol kas nieko neprisegta.",
      add_pin: "Pridėti prisegimą",
      save_pins: "Išsaugoti prisegimus",
      saving: "Saugoma…",
      saved: "Išsaugota: nuo šiol paieška tai naudoja.",
      unsaved: "Yra neišsaugotų pakeitimų.",
      not_saved: "Neišsaugota: {problem}",
      fix_fields: "Neišsaugota: pataisykite pažymėtus laukus.",
    },
  },

  async render(root, ctx) {
    const [synonyms, pins, articles] = await Promise.all([
      ctx.api("GET", "/v1/synonyms"), ctx.api("GET", "/v1/pins"), allArticles(ctx)]);
    root.append(synonymsForm(ctx, synonyms.groups), pinsForm(ctx, pins.pins, articles));
  },
};

/**
 * A form that PUTs the body `collect()` builds to `path` and shows a 422 next to the rows (`register(errors)` names
 * each row's fields in the order of the body), the rest in its status line.
 */
function controlsForm(ctx, {title, intro, saveLabel, path, collect, register, content, loaded}) {
  const {h, t} = ctx;
  const heading = h("h2", {id: uid("controls")}, title);
  const status = h("p", {role: "status", class: "status"});
  const save = h("button", {type: "submit"}, saveLabel);
  const errors = new FieldErrors();
  const form = h("form", {class: "controls", novalidate: true, "aria-labelledby": heading.id},
    heading, h("p", {class: "hint"}, intro), content, h("div", {class: "actions"}, save), status);
  let snapshot = JSON.stringify(collect());
  const changed = () => {
    status.textContent = JSON.stringify(collect()) !== snapshot ? t("unsaved") : "";
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("click", (event) => event.target.closest("button[type=button]") && changed());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = collect();
    errors.clear();
    errors.entries.clear();  // the rows now, numbered as the body numbers them
    register(errors);
    status.textContent = t("saving");
    try {
      loaded(await ctx.api("PUT", path, body));
      snapshot = JSON.stringify(collect());
      status.textContent = t("saved");
    } catch (error) {
      if (error.status !== 422) {
        status.textContent = "";
        ctx.showError(error);
        return;
      }
      const left = errors.show(error);
      status.textContent = left.length ? t("not_saved", {problem: left.map((p) => p.message).join(" ")})
        : t("fix_fields");
    }
  });
  return form;
}

function splitTerms(text) {
  return text.split(TERM_SEPARATORS).map((term) => term.trim()).filter(Boolean);
}

// ---------------------------------------------------------------- synonyms

function synonymsForm(ctx, groups) {
  const {h, t} = ctx;
  const languageTabs = tabs(ctx, {label: t("synonyms")});
  const lists = new Map();  // language -> {element, rows: [{input, slot, row}]}

  function addRow(language, terms) {
    const list = lists.get(language);
    const input = h("input", {type: "text", autocomplete: "off", lang: language});
    input.value = terms.join(", ");
    const remove = h("button", {type: "button", class: "secondary"}, t("remove"));
    const row = {input};
    const wrapper = field(ctx, {label: "", control: input, className: "group-row"});
    row.slot = wrapper.querySelector(".field-error");
    input.setAttribute("aria-describedby", `${list.hint.id} ${row.slot.id}`);
    wrapper.append(remove);
    remove.addEventListener("click", () => {
      list.rows.splice(list.rows.indexOf(row), 1);
      wrapper.remove();
      numberRows(language);
      list.add.focus();
    });
    row.wrapper = wrapper;
    list.rows.push(row);
    list.element.append(wrapper);
    numberRows(language);
    return input;
  }

  function numberRows(language) {
    const list = lists.get(language);
    list.rows.forEach((row, index) => {
      row.wrapper.querySelector("label").textContent = t("group", {n: index + 1});
      row.wrapper.querySelector("button").setAttribute("aria-label", `${t("remove")}: ${t("group", {n: index + 1})}`);
    });
    list.empty.hidden = list.rows.length > 0;
  }

  for (const language of LANGUAGES) {
    const element = h("div", {class: "groups"});
    const empty = h("p", {class: "empty-state"}, t("no_groups"));
    const add = h("button", {type: "button", class: "secondary"}, t("add_group"));
    const hint = h("p", {class: "hint", id: uid("groups-hint")}, t("group_hint"));
    lists.set(language, {element, empty, add, hint, rows: []});
    add.addEventListener("click", () => addRow(language, []).focus());
    languageTabs.add(language, LANGUAGE_NAMES[language], h("div", {}, hint, empty, element, add), {lang: language});
    for (const group of groups.filter((candidate) => candidate.language === language)) addRow(language, group.terms);
  }
  languageTabs.select(LANGUAGES.includes(ctx.language) ? ctx.language : LANGUAGES[0]);

  /** The rows that hold a term, in the order of the body: [language, row]. */
  function filled() {
    return LANGUAGES.flatMap((language) => lists.get(language).rows
      .filter((row) => splitTerms(row.input.value).length)
      .map((row) => [language, row]));
  }

  return controlsForm(ctx, {
    title: t("synonyms"), intro: t("synonyms_intro"), saveLabel: t("save_synonyms"), path: "/v1/synonyms",
    content: languageTabs.element,
    collect: () => ({groups: filled().map(([language, row]) => ({language, terms: splitTerms(row.input.value)}))}),
    register(errors) {
      filled().forEach(([language, row], index) => errors.register(`groups.${index}`, {
        control: row.input, slot: row.slot, reveal: () => languageTabs.select(language)}));
    },
    loaded(saved) {
      for (const language of LANGUAGES) {
        const list = lists.get(language);
        list.rows.forEach((row) => row.wrapper.remove());
        list.rows = [];
        for (const group of saved.groups.filter((candidate) => candidate.language === language)) {
          addRow(language, group.terms);
        }
        numberRows(language);
      }
    },
  });
}

// ---------------------------------------------------------------- pins

function pinsForm(ctx, pins, articles) {
  const {h, t} = ctx;
  const rows = [];
  const list = h("ol", {class: "pins", id: uid("pins")});
  const empty = h("p", {class: "empty-state"}, t("no_pins"));
  const add = h("button", {type: "button", class: "secondary"}, t("add_pin"));
  const listSlot = errorSlot(ctx, list);

  function addRow(pin) {
    const pattern = h("input", {type: "text", autocomplete: "off"});
    pattern.value = pin.pattern;
    const language = h("select", {},
      h("option", {value: ""}, t("every_language")),
      LANGUAGES.map((code) => h("option", {value: code, lang: code}, LANGUAGE_NAMES[code])));
    language.value = pin.language || "";
    const article = h("select", {}, articles.map((candidate) => h("option", {value: candidate.id},
      `${titleOf(candidate, ctx.language)} (${candidate.id})`)));
    article.value = pin.article_id;
    const legend = h("legend", {});
    const remove = h("button", {type: "button", class: "secondary"}, t("remove"));
    const row = {pattern, language, article, legend, remove, fields: {}};
    const wrap = (name, label, control) => {
      const element = field(ctx, {label, control});
      row.fields[name] = {control, slot: element.querySelector(".field-error")};
      return element;
    };
    row.item = h("li", {}, h("fieldset", {class: "pin"}, legend,
      wrap("pattern", t("pattern"), pattern), wrap("language", t("pin_language"), language),
      wrap("article_id", t("article"), article), remove));
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(row), 1);
      row.item.remove();
      numberRows();
      add.focus();
    });
    rows.push(row);
    list.append(row.item);
    numberRows();
    return pattern;
  }

  function numberRows() {
    rows.forEach((row, index) => {
      row.legend.textContent = t("pin", {n: index + 1});
      row.remove.setAttribute("aria-label", `${t("remove")}: ${t("pin", {n: index + 1})}`);
    });
    empty.hidden = rows.length > 0;
  }

  add.addEventListener("click", () => addRow({pattern: "", language: null, article_id: articles[0]?.id}).focus());
  pins.forEach(addRow);
  numberRows();

  return controlsForm(ctx, {
    title: t("pins"), intro: t("pins_intro"), saveLabel: t("save_pins"), path: "/v1/pins",
    content: h("div", {}, listSlot, empty, list, add),
    collect: () => ({pins: rows.map((row) => ({pattern: row.pattern.value.trim(), language: row.language.value || null,
                                               article_id: row.article.value}))}),
    register(errors) {
      errors.register("pins", {control: rows[0]?.pattern || add, slot: listSlot});
      rows.forEach((row, index) => {
        errors.register(`pins.${index}`, row.fields.pattern);
        for (const [name, entry] of Object.entries(row.fields)) errors.register(`pins.${index}.${name}`, entry);
      });
    },
    loaded(saved) {
      rows.splice(0).forEach((row) => row.item.remove());
      saved.pins.forEach(addRow);
      numberRows();
    },
  });
}
