// The console's languages, the shell's strings (shared by every page) and number and date formats.

export const LANGUAGES = ["en", "ja", "zh", "lt"];
export const LANGUAGE_NAMES = {en: "English", ja: "日本語", zh: "中文", lt: "Lietuvių"};
export const CHANNELS = ["help_page", "contact_form", "chat", "chatbot", "email", "ticket"];
const STORAGE_KEY = "kb-console-language";

export const STRINGS = {
  en: {
    app: "Support console",
    nav_label: "Pages",
    language: "Console language",
    sign_in_title: "Sign in",
    sign_in_intro: "Paste your team's admin API key. It is kept in this browser tab only and forgotten when you "
      + "close the tab.",
    key_label: "Admin API key",
    sign_in: "Sign in",
    checking: "Checking the key…",
    sign_out: "Sign out",
    key_missing: "Paste a key first.",
    key_invalid: "This key was not accepted: check that you copied all of it and that it has not been revoked.",
    key_not_admin: "This key cannot manage the knowledge base: sign in with a key that has the admin scope.",
    signed_out_refused: "You were signed out because the server refused the key: {detail}",
    signed_out: "You are signed out.",
    unreachable: "The server could not be reached: {detail}",
    error: "The request failed ({status}): {detail}",
    not_found: "There is no such page.",
    loading: "Loading…",
    dismiss: "Dismiss",
    filters: "Filters",
    since: "From",
    until: "To (inclusive)",
    filter_language: "Language",
    filter_channel: "Channel",
    all_languages: "All languages",
    all_channels: "All channels",
    apply: "Show",
    bad_period: "The start date must be on or before the end date.",
    export: "Download",
    export_csv: "CSV",
    export_json: "JSON",
    empty_period: "Nothing was asked in this period.",
    lang_en: "English",
    lang_ja: "Japanese",
    lang_zh: "Chinese",
    lang_lt: "Lithuanian",
    channel_help_page: "Help page",
    channel_contact_form: "Contact form",
    channel_chat: "Chat",
    channel_chatbot: "Chatbot",
    channel_email: "Email",
    channel_ticket: "Ticket",
  },
  ja: {
    app: "サポートコンソール",
    nav_label: "ページ",
    language: "表示言語",
    sign_in_title: "サインイン",
    sign_in_intro: "チームの管理者用 API キーを貼り付けてください。キーはこのタブの中だけに保存され、タブを閉じると"
      + "消去されます。",
    key_label: "管理者用 API キー",
    sign_in: "サインイン",
    checking: "キーを確認しています…",
    sign_out: "サインアウト",
    key_missing: "キーを貼り付けてください。",
    key_invalid: "このキーは使用できません。すべてコピーできているか、無効化されていないかをご確認ください。",
    key_not_admin: "このキーにはナレッジベースの管理権限がありません。admin スコープのキーでサインインしてください。",
    signed_out_refused: "サーバーがキーを受け付けなかったため、サインアウトしました：{detail}",
    signed_out: "サインアウトしました。",
    unreachable: "サーバーに接続できません：{detail}",
    error: "リクエストに失敗しました（{status}）：{detail}",
    not_found: "このページは存在しません。",
    loading: "読み込み中…",
    dismiss: "閉じる",
    filters: "絞り込み",
    since: "開始日",
    until: "終了日",
    filter_language: "言語",
    filter_channel: "チャネル",
    all_languages: "すべての言語",
    all_channels: "すべてのチャネル",
    apply: "表示",
    bad_period: "開始日は終了日と同じか、それより前の日付にしてください。",
    export: "ダウンロード",
    export_csv: "CSV",
    export_json: "JSON",
    empty_period: "この期間の質問はありません。",
    lang_en: "英語",
    lang_ja: "日本語",
    lang_zh: "中国語",
    lang_lt: "リトアニア語",
    channel_help_page: "ヘルプページ",
    channel_contact_form: "お問い合わせフォーム",
    channel_chat: "チャット",
    channel_chatbot: "チャットボット",
    channel_email: "メール",
    channel_ticket: "チケット",
  },
  zh: {
    app: "客服控制台",
    nav_label: "页面",
    language: "界面语言",
    sign_in_title: "登录",
    sign_in_intro: "请粘贴团队的管理员 API 密钥。密钥只保存在当前标签页中，关闭标签页后即被清除。",
    key_label: "管理员 API 密钥",
    sign_in: "登录",
    checking: "正在验证密钥…",
    sign_out: "退出登录",
    key_missing: "请先粘贴密钥。",
    key_invalid: "密钥无效：请确认已完整复制，并且没有被吊销。",
    key_not_admin: "此密钥没有管理知识库的权限，请改用具有 admin 权限的密钥登录。",
    signed_out_refused: "服务器拒绝了该密钥，您已退出登录：{detail}",
    signed_out: "您已退出登录。",
    unreachable: "无法连接服务器：{detail}",
    error: "请求失败（{status}）：{detail}",
    not_found: "没有这个页面。",
    loading: "加载中…",
    dismiss: "关闭",
    filters: "筛选",
    since: "开始日期",
    until: "结束日期（含当天）",
    filter_language: "语言",
    filter_channel: "渠道",
    all_languages: "全部语言",
    all_channels: "全部渠道",
    apply: "查看",
    bad_period: "开始日期不能晚于结束日期。",
    export: "下载",
    export_csv: "CSV",
    export_json: "JSON",
    empty_period: "该时段内没有提问。",
    lang_en: "英语",
    lang_ja: "日语",
    lang_zh: "中文",
    lang_lt: "立陶宛语",
    channel_help_page: "帮助页面",
    channel_contact_form: "联系表单",
    channel_chat: "在线聊天",
    channel_chatbot: "聊天机器人",
    channel_email: "电子邮件",
    channel_ticket: "工单",
  },
  lt: {
    app: "Pagalbos konsolė",
    nav_label: "Puslapiai",
    language: "Konsolės kalba",
    sign_in_title: "Prisijungimas",
    sign_in_intro: "Įklijuokite savo komandos administratoriaus API raktą. Jis saugomas tik šioje naršyklės "
      + "kortelėje ir pamirštamas, kai ją uždarote.",
    key_label: "Administratoriaus API raktas",
    sign_in: "Prisijungti",
    checking: "Tikrinamas raktas…",
    sign_out: "Atsijungti",
    key_missing: "Pirmiausia įklijuokite raktą.",
    key_invalid: "Šis raktas nepriimtas: patikrinkite, ar nukopijavote jį visą ir ar jis nebuvo atšauktas.",
    key_not_admin: "Šiuo raktu negalima tvarkyti žinių bazės: prisijunkite raktu, turinčiu administratoriaus "
      + "(admin) teises.",
    signed_out_refused: "Buvote atjungti, nes serveris nebepriima rakto: {detail}",
    signed_out: "Atsijungėte.",
    unreachable: "Nepavyko pasiekti serverio: {detail}",
    error: "Užklausa nepavyko ({status}): {detail}",
    not_found: "Tokio puslapio nėra.",
    loading: "Įkeliama…",
    dismiss: "Uždaryti",
    filters: "Filtrai",
    since: "Nuo",
    until: "Iki (imtinai)",
    filter_language: "Kalba",
    filter_channel: "Kanalas",
    all_languages: "Visos kalbos",
    all_channels: "Visi kanalai",
    apply: "Rodyti",
    bad_period: "Pradžios data negali būti vėlesnė už pabaigos datą.",
    export: "Atsisiųsti",
    export_csv: "CSV",
    export_json: "JSON",
    empty_period: "Per šį laikotarpį klausimų nebuvo.",
    lang_en: "anglų",
    lang_ja: "japonų",
    lang_zh: "kinų",
    lang_lt: "lietuvių",
    channel_help_page: "Pagalbos puslapis",
    channel_contact_form: "Kontaktų forma",
    channel_chat: "Pokalbis",
    channel_chatbot: "Pokalbių robotas",
    channel_email: "El. paštas",
    channel_ticket: "Užklausa",
  },
};

/** The UI language: the one chosen in this tab, else the browser's first supported one, else English. */
export function chosenLanguage() {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function saveLanguage(language) {
  sessionStorage.setItem(STORAGE_KEY, language);
}

/**
 * The `t(key, vars)` of a page: its own strings in `language`, then the shell's. `{name}` in a string is
 * replaced by `vars.name`. A missing key is reported on the console (the tests fail on it) and shown as ⟦key⟧.
 */
export function translator(language, pageStrings = {}) {
  const own = pageStrings[language] || {};
  const shell = STRINGS[language];
  return (key, vars = {}) => {
    const text = own[key] ?? shell[key];
    if (text === undefined) {
      console.error(`missing UI string "${key}" in ${language}`);
      return `⟦${key}⟧`;
    }
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  };
}

/** Keys that some language of `strings` has and another lacks: {language: [keys]} (empty when complete). */
export function missingKeys(strings) {
  const all = new Set(LANGUAGES.flatMap((language) => Object.keys(strings[language] || {})));
  const missing = {};
  for (const language of LANGUAGES) {
    const lacking = [...all].filter((key) => !(key in (strings[language] || {})));
    if (lacking.length) missing[language] = lacking;
  }
  return missing;
}

/** A count in the language's digits grouping. */
export function formatNumber(language, value) {
  return new Intl.NumberFormat(language).format(value);
}

/** A rate (0..1) as a percentage with at most one decimal; "–" when there is none (nothing to divide). */
export function formatRate(language, value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(language, {style: "percent", maximumFractionDigits: 1}).format(value);
}

/** A day (YYYY-MM-DD, UTC) in the language's short date format. */
export function formatDay(language, day) {
  return new Intl.DateTimeFormat(language, {month: "short", day: "numeric", timeZone: "UTC"})
    .format(new Date(`${day}T00:00:00Z`));
}

/** A moment (ISO 8601) as date and time in the language's format, in the browser's time zone. */
export function formatMoment(language, moment) {
  return new Intl.DateTimeFormat(language, {dateStyle: "medium", timeStyle: "short"}).format(new Date(moment));
}
