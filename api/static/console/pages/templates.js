// Reply templates: the list, and an editor for one (its common fields, then a tab per language) that saves
// with PUT /v1/templates/{name}, resets to the default with DELETE, and shows the tone guard's refusal (a 422
// naming the field) next to the text it is about.
//
// The editor walks the template's document as GET returns it, so a situation and the letter frame (_frame),
// whose fields differ, share it: a mapping whose keys are language codes is shown in that language's tab.

import {LANGUAGE_NAMES, LANGUAGES} from "../i18n.js";
import {FieldErrors, errorSlot, inlineConfirm, uid} from "./fields.js";
import {tabs} from "./tabs.js";

const PLACEHOLDERS = ["customer_name", "article_title", "timeframe", "agent_name", "company", "team"];
const READ_ONLY = new Set(["situation"]);  // must equal the template's name
const TONE_GUARD = /contains the phrase '(.+)', which the tone guard forbids/;
const SITUATIONS = ["angry_customer", "delivery_delay", "out_of_stock", "defective_product", "feature_request_refused",
                    "exception_request", "transfer_to_specialist", "unknown_answer", "farewell", "general", "_frame"];

const KEYS = {
  en: {
    key_description: "Description", key_articles: "Articles it fits (IDs; none: any article)",
    key_triggers: "What customers write in this situation", key_parts: "Reply parts",
    key_acknowledge: "Acknowledgement", key_lead_in: "Lead-in", key_agreement: "What we agree to do",
    key_next_step: "Next step (when no article answers)", key_closing: "Closing question", key_timeframe: "Timeframe",
    key_frame: "Letter frame", key_greeting: "Greeting", key_greeting_anonymous: "Greeting without a name",
    key_signature: "Signature", key_signature_anonymous: "Signature without an agent's name",
    key_defaults: "Default values", key_agent_name: "Agent name", key_company: "Company", key_team: "Team",
    key_references: "References customers give", key_pattern: "Pattern (regular expression)",
    key_labels: "What customers call it", key_redirects: "Words that send customers to support",
  },
  ja: {
    key_description: "説明", key_articles: "対象の記事（ID。空欄ならすべての記事）",
    key_triggers: "この状況でお客様が書く文面", key_parts: "返信の構成",
    key_acknowledge: "共感・お詫び", key_lead_in: "導入", key_agreement: "お約束する対応",
    key_next_step: "次の対応（該当する記事がないとき）", key_closing: "結び", key_timeframe: "対応期限",
    key_frame: "メールの枠", key_greeting: "宛名・あいさつ", key_greeting_anonymous: "宛名なしのあいさつ",
    key_signature: "署名", key_signature_anonymous: "担当者名なしの署名",
    key_defaults: "既定値", key_agent_name: "担当者名", key_company: "会社名", key_team: "担当チーム",
    key_references: "お客様が伝える番号など", key_pattern: "パターン（正規表現）",
    key_labels: "お客様の呼び方", key_redirects: "サポートへの問い合わせを促す言い回し",
  },
  zh: {
    key_description: "说明", key_articles: "适用的文章（ID；留空表示所有文章）",
    key_triggers: "这种情况下顾客会怎么说", key_parts: "回复的组成部分",
    key_acknowledge: "共情与致歉", key_lead_in: "引导语", key_agreement: "我们承诺的处理",
    key_next_step: "下一步（没有文章可回答时）", key_closing: "结束语", key_timeframe: "处理时限",
    key_frame: "邮件框架", key_greeting: "称呼与问候", key_greeting_anonymous: "无姓名时的问候",
    key_signature: "落款", key_signature_anonymous: "无客服姓名时的落款",
    key_defaults: "默认值", key_agent_name: "客服姓名", key_company: "公司名称", key_team: "负责团队",
    key_references: "顾客提供的编号等", key_pattern: "格式（正则表达式）",
    key_labels: "顾客的叫法", key_redirects: "引导顾客联系客服的说法",
  },
  lt: {
    key_description: "Aprašymas", key_articles: "Tinkami straipsniai (ID; tuščia – bet kuris)",
    key_triggers: "Ką klientai rašo šioje situacijoje", key_parts: "Atsakymo dalys",
    key_acknowledge: "Supratimas ir atsiprašymas", key_lead_in: "Įžanga", key_agreement: "Ką pažadame padaryti",
    key_next_step: "Kitas žingsnis (kai atsakymo straipsnio nėra)", key_closing: "Baigiamasis klausimas",
    key_timeframe: "Terminas",
    key_frame: "Laiško rėmelis", key_greeting: "Pasisveikinimas", key_greeting_anonymous: "Pasisveikinimas be vardo",
    key_signature: "Parašas", key_signature_anonymous: "Parašas be darbuotojo vardo",
    key_defaults: "Numatytosios reikšmės", key_agent_name: "Darbuotojo vardas", key_company: "Įmonė",
    key_team: "Komanda",
    key_references: "Klientų nurodomi numeriai", key_pattern: "Šablonas (reguliarusis reiškinys)",
    key_labels: "Kaip klientai tai vadina", key_redirects: "Žodžiai, siunčiantys klientą į pagalbos tarnybą",
  },
};

export default {
  id: "templates",
  strings: {
    en: {
      nav: "Reply templates",
      intro: "The words around every answer, per situation: how we acknowledge, lead in, agree on what happens next "
        + "and close. The tone guard refuses the phrases we never say.",
      column_template: "Template",
      column_name: "Name",
      column_state: "State",
      state_default: "Default",
      state_customised: "Your version {version}",
      back: "All templates",
      common: "About this template",
      languages: "Languages",
      placeholders: "Placeholders you can use: {list}.",
      variant: "Variant {n}",
      trigger: "Customer message {n}",
      entry: "Item {n}",
      add_variant: "Add a variant",
      add_trigger: "Add a customer message",
      add_entry: "Add",
      remove_variant: "Remove",
      save: "Save",
      saving: "Saving…",
      saved: "Saved (version {version}): replies use it from now on.",
      not_saved: "Not saved: fix the text marked below.",
      unsaved: "Unsaved changes.",
      reset: "Reset to default",
      confirm_reset: "Throw away your team's version and go back to the default texts?",
      confirm_reset_yes: "Yes, reset",
      cancel: "Cancel",
      tone_guard: "“{phrase}” is a phrase the tone guard does not allow in our replies. Reword it.",
      situation_angry_customer: "Angry customer",
      situation_delivery_delay: "Delivery delay",
      situation_out_of_stock: "Out of stock",
      situation_defective_product: "Defective product",
      situation_feature_request_refused: "Feature request declined",
      situation_exception_request: "Request for an exception",
      situation_transfer_to_specialist: "Handing over to a specialist",
      situation_unknown_answer: "No answer found",
      situation_farewell: "Farewell",
      situation_general: "General",
      situation__frame: "Letter frame (greeting and signature)",
      ...KEYS.en,
    },
    ja: {
      nav: "返信テンプレート",
      intro: "回答の前後に添える文面を状況ごとに設定します（共感・お詫び、導入、お約束する対応、結び）。"
        + "トーンガードが、使ってはいけない言い回しを止めます。",
      column_template: "テンプレート",
      column_name: "名前",
      column_state: "状態",
      state_default: "標準",
      state_customised: "編集済み（バージョン {version}）",
      back: "テンプレート一覧に戻る",
      common: "このテンプレートについて",
      languages: "言語",
      placeholders: "使える差し込み項目：{list}",
      variant: "パターン {n}",
      trigger: "お客様の文面 {n}",
      entry: "項目 {n}",
      add_variant: "パターンを追加",
      add_trigger: "お客様の文面を追加",
      add_entry: "追加",
      remove_variant: "削除",
      save: "保存",
      saving: "保存しています…",
      saved: "保存しました（バージョン {version}）。これからの返信に使われます。",
      not_saved: "保存されていません。印の付いた文面を直してください。",
      unsaved: "保存していない変更があります。",
      reset: "標準に戻す",
      confirm_reset: "チームで編集した内容を破棄して、標準の文面に戻しますか？",
      confirm_reset_yes: "標準に戻す",
      cancel: "キャンセル",
      tone_guard: "「{phrase}」はトーンガードにより返信で使えない言い回しです。言い換えてください。",
      situation_angry_customer: "お怒りのお客様",
      situation_delivery_delay: "配送の遅れ",
      situation_out_of_stock: "在庫切れ",
      situation_defective_product: "商品の不良",
      situation_feature_request_refused: "ご要望にお応えできない場合",
      situation_exception_request: "例外対応のご依頼",
      situation_transfer_to_specialist: "専門担当への引き継ぎ",
      situation_unknown_answer: "回答が見つからない場合",
      situation_farewell: "お礼・締めくくり",
      situation_general: "一般",
      situation__frame: "メールの枠（宛名と署名）",
      ...KEYS.ja,
    },
    zh: {
      nav: "回复模板",
      intro: "按情况设置每条回答前后的话术：共情致歉、引导语、承诺的处理和结束语。语气守卫会拦下我们不该说的话。",
      column_template: "模板",
      column_name: "名称",
      column_state: "状态",
      state_default: "默认",
      state_customised: "已自定义（第 {version} 版）",
      back: "返回模板列表",
      common: "模板信息",
      languages: "语言",
      placeholders: "可以使用的占位符：{list}",
      variant: "说法 {n}",
      trigger: "顾客消息 {n}",
      entry: "条目 {n}",
      add_variant: "添加一种说法",
      add_trigger: "添加一条顾客消息",
      add_entry: "添加",
      remove_variant: "删除",
      save: "保存",
      saving: "正在保存…",
      saved: "已保存（第 {version} 版），之后的回复都会使用它。",
      not_saved: "未保存：请修改下方标出的文字。",
      unsaved: "有尚未保存的修改。",
      reset: "恢复默认",
      confirm_reset: "要放弃团队的修改，恢复为默认文字吗？",
      confirm_reset_yes: "确定恢复",
      cancel: "取消",
      tone_guard: "语气守卫不允许在回复中使用“{phrase}”，请换一种说法。",
      situation_angry_customer: "顾客不满",
      situation_delivery_delay: "配送延误",
      situation_out_of_stock: "缺货",
      situation_defective_product: "商品故障",
      situation_feature_request_refused: "无法满足的功能需求",
      situation_exception_request: "特殊处理请求",
      situation_transfer_to_specialist: "转交专员处理",
      situation_unknown_answer: "找不到答案",
      situation_farewell: "道别",
      situation_general: "通用",
      situation__frame: "邮件框架（称呼与落款）",
      ...KEYS.zh,
    },
    lt: {
      nav: "Atsakymų šablonai",
      intro: "Žodžiai aplink kiekvieną atsakymą pagal situaciją: kaip parodome supratimą, pradedame, sutariame, kas "
        + "bus toliau, ir užbaigiame. Tono sargas neleidžia frazių, kurių niekada nesakome.",
      column_template: "Šablonas",
      column_name: "Pavadinimas",
      column_state: "Būsena",
      state_default: "Numatytasis",
      state_customised: "Jūsų versija {version}",
      back: "Visi šablonai",
      common: "Apie šį šabloną",
      languages: "Kalbos",
      placeholders: "Galimi įterpiniai: {list}.",
      variant: "Variantas {n}",
      trigger: "Kliento žinutė {n}",
      entry: "Įrašas {n}",
      add_variant: "Pridėti variantą",
      add_trigger: "Pridėti kliento žinutę",
      add_entry: "Pridėti",
      remove_variant: "Pašalinti",
      save: "Išsaugoti",
      saving: "Saugoma…",
      saved: "Išsaugota (versija {version}): nuo šiol atsakymuose naudojama ji.",
      not_saved: "Neišsaugota: pataisykite pažymėtą tekstą.",
      unsaved: "Yra neišsaugotų pakeitimų.",
      reset: "Grąžinti numatytąjį",
      confirm_reset: "Atsisakyti komandos versijos ir grąžinti numatytuosius tekstus?",
      confirm_reset_yes: "Taip, grąžinti",
      cancel: "Atšaukti",
      tone_guard: "Frazės „{phrase}“ tono sargas mūsų atsakymuose neleidžia. Perrašykite kitaip.",
      situation_angry_customer: "Piktas klientas",
      situation_delivery_delay: "Vėluojanti siunta",
      situation_out_of_stock: "Prekės nėra sandėlyje",
      situation_defective_product: "Brokuota prekė",
      situation_feature_request_refused: "Pageidavimo įgyvendinti negalime",
      situation_exception_request: "Prašymas daryti išimtį",
      situation_transfer_to_specialist: "Perdavimas specialistui",
      situation_unknown_answer: "Atsakymo nerasta",
      situation_farewell: "Atsisveikinimas",
      situation_general: "Bendrasis",
      situation__frame: "Laiško rėmelis (pasisveikinimas ir parašas)",
      ...KEYS.lt,
    },
  },

  async render(root, ctx) {
    if (ctx.params.name) await renderEditor(root, ctx);
    else await renderList(root, ctx);
  },
};

function templatePath(name) {
  return `/v1/templates/${encodeURIComponent(name)}`;
}

/** A template's name for people: the situation in the UI language, else the name itself. */
function situationName(ctx, name) {
  return SITUATIONS.includes(name) ? ctx.t(`situation_${name}`) : name;
}

/** A field's label: the key in the UI language when the console knows it, else the key as written. */
function keyLabel(ctx, key) {
  return `key_${key}` in KEYS.en ? ctx.t(`key_${key}`) : key;
}

async function renderList(root, ctx) {
  const {h, t} = ctx;
  const page = await ctx.api("GET", "/v1/templates?limit=200");
  root.append(
    h("p", {}, t("intro")),
    h("table", {class: "templates"},
      h("thead", {}, h("tr", {}, ["column_template", "column_name", "column_state"].map(
        (key) => h("th", {scope: "col"}, t(key))))),
      h("tbody", {}, page.items.map((item) => h("tr", {},
        h("td", {}, h("a", {href: `#/templates?name=${encodeURIComponent(item.name)}`}, situationName(ctx, item.name))),
        h("td", {}, h("code", {}, item.name)),
        h("td", {}, item.customised ? h("span", {class: "badge badge-customised"},
                                         t("state_customised", {version: item.version}))
          : t("state_default")))))));
}

function isLanguageMap(value) {
  return isMapping(value) && Object.keys(value).length > 0 && Object.keys(value).every((key) => LANGUAGES.includes(key));
}

function isMapping(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isTextList(value) {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function rowsFor(text) {
  return String(Math.min(8, Math.max(2, text.split("\n").length + Math.floor(text.length / 90))));
}

async function renderEditor(root, ctx) {
  const {h, t} = ctx;
  const name = ctx.params.name;
  let template = await ctx.api("GET", templatePath(name));
  const doc = structuredClone(template.document);
  let snapshot = JSON.stringify(doc);
  const errors = new FieldErrors();
  const lists = new Map();  // path -> the list's fieldset (to find the variant a refusal quotes)
  const status = h("p", {role: "status", class: "status"});
  const state = h("p", {class: "template-state"});
  const languageTabs = tabs(ctx, {label: t("languages")});

  /**
   * The editor of `value` (held at `holder[key]`, API path `path`): in the language tab `language`, or outside
   * every language (null). A text or a list of texts belongs to a language when a language-keyed mapping is
   * above it (`inLanguage`). Returns null when nothing of it belongs where it is being drawn.
   */
  function editor(holder, key, path, label, language, inLanguage) {
    const value = holder[key];
    const here = (language === null) === !inLanguage;
    if (READ_ONLY.has(key) && !inLanguage) return null;
    if (typeof value === "string") return here ? textField(holder, key, path, label, language) : null;
    if (isTextList(value)) return here ? listField(value, path, label, language) : null;
    if (!isMapping(value)) return null;  // numbers and the like: kept as they are
    if (isLanguageMap(value)) {
      if (language === null || !(language in value)) return null;
      return editor(value, language, `${path}.${language}`, label, language, true);
    }
    const children = Object.keys(value).map((child) => editor(value, child, path ? `${path}.${child}` : child,
                                                              keyLabel(ctx, child), language, inLanguage))
      .filter(Boolean);
    if (!children.length) return null;
    return path ? h("fieldset", {class: "group"}, h("legend", {}, label), children) : h("div", {}, children);
  }

  function reveal(language) {
    return language ? () => languageTabs.select(language) : undefined;
  }

  function textField(holder, key, path, label, language) {
    const control = h("textarea", {id: uid("text"), rows: rowsFor(holder[key]), lang: language});
    control.value = holder[key];
    control.addEventListener("input", () => {
      holder[key] = control.value;
    });
    const slot = errorSlot(ctx, control);
    control.setAttribute("aria-describedby", slot.id);
    errors.register(path, {control, slot, reveal: reveal(language)});
    return h("div", {class: "field", "data-path": path}, h("label", {for: control.id}, label), control, slot);
  }

  function listField(items, path, label, language) {
    const set = h("fieldset", {class: "list", id: uid("list"), "data-path": path});
    const slot = errorSlot(ctx, set);
    const itemLabel = path.startsWith("triggers.") ? "trigger" : language ? "variant" : "entry";
    const add = h("button", {type: "button", class: "secondary"}, t(`add_${itemLabel}`));
    const entry = {control: add, slot, reveal: reveal(language)};
    errors.register(path, entry);
    lists.set(path, set);

    function draw() {
      set.replaceChildren(h("legend", {}, label), slot, ...items.map((text, index) => {
        const control = h("textarea", {id: uid("item"), rows: rowsFor(text), lang: language,
                                       "aria-describedby": slot.id});
        control.value = text;
        control.addEventListener("input", () => {
          items[index] = control.value;
        });
        const remove = h("button", {type: "button", class: "secondary",
                                    "aria-label": `${t("remove_variant")}: ${t(itemLabel, {n: index + 1})}`},
                         t("remove_variant"));
        remove.addEventListener("click", () => {
          items.splice(index, 1);
          draw();
          changed();
          add.focus();
        });
        return h("div", {class: "list-item"}, h("label", {for: control.id}, t(itemLabel, {n: index + 1})), control,
                 remove);
      }), add);
      entry.control = set.querySelector("textarea") || add;
    }

    add.addEventListener("click", () => {
      items.push("");
      draw();
      changed();
      set.querySelectorAll("textarea")[items.length - 1].focus();
    });
    draw();
    return set;
  }

  function changed() {
    status.textContent = JSON.stringify(doc) !== snapshot ? t("unsaved") : "";
  }

  function showState() {
    state.textContent = template.customised ? t("state_customised", {version: template.version}) : t("state_default");
    reset.hidden = !template.customised;
  }

  /** The 422's problems next to their fields; a tone-guard refusal in the UI language, on the variant it quotes. */
  function showRefusal(error) {
    const left = errors.show(error);
    for (const [path, {slot}] of errors.entries) {
      const refused = !slot.hidden && slot.textContent.match(TONE_GUARD);
      if (!refused) continue;
      slot.replaceChildren(h("span", {}, t("tone_guard", {phrase: refused[1]})));
      const phrase = refused[1].toLowerCase();
      const culprit = [...(lists.get(path)?.querySelectorAll("textarea") || [])].find(
        (control) => control.value.replace(/\s+/g, " ").toLowerCase().includes(phrase));
      culprit?.setAttribute("aria-invalid", "true");
      culprit?.focus();
    }
    return left;
  }

  const common = editor({doc}, "doc", "", "", null, false);
  for (const language of LANGUAGES) {
    const panel = h("div", {class: "template-language"}, editor({doc}, "doc", "", "", language, false));
    languageTabs.add(language, LANGUAGE_NAMES[language], panel, {lang: language});
  }
  languageTabs.select(LANGUAGES.includes(ctx.language) ? ctx.language : LANGUAGES[0]);

  const save = h("button", {type: "submit"}, t("save"));
  const reset = h("button", {type: "button", class: "secondary"}, t("reset"));
  const confirm = inlineConfirm(ctx, reset, {
    label: t("reset"), question: t("confirm_reset"), yes: t("confirm_reset_yes"),
    action: async () => {
      await ctx.api("DELETE", templatePath(name));
      ctx.navigate("templates", {name});
    },
  });

  const form = h("form", {class: "template-form", novalidate: true},
    common ? h("fieldset", {class: "group"}, h("legend", {}, t("common")), common) : null,
    h("p", {class: "hint"}, t("placeholders", {list: PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})),
    h("h3", {}, t("languages")),
    languageTabs.element,
    h("div", {class: "actions"}, save, reset),
    confirm,
    status);
  form.addEventListener("input", changed);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    status.textContent = t("saving");
    try {
      template = await ctx.api("PUT", templatePath(name), doc);
      snapshot = JSON.stringify(doc);
      status.textContent = t("saved", {version: template.version});
      showState();
    } catch (error) {
      status.textContent = error.status === 422 ? t("not_saved") : "";
      if (error.status !== 422 || showRefusal(error).length) ctx.showError(error);
    }
  });
  showState();

  root.append(
    h("p", {}, h("a", {href: "#/templates"}, t("back"))),
    h("h2", {}, situationName(ctx, name), " ", h("code", {}, name)),
    state,
    form);
}
