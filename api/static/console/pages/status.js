// Mailboxes and connectors: how each support mailbox (/v1/mailboxes) and help-desk connector (/v1/connectors)
// is doing: who serves it, its last check and error, its messages or deliveries per state.

import {formatMoment, formatNumber} from "../i18n.js";

const STATES = ["sent", "drafted", "skipped", "failed", "set_aside", "received", "sending", "queued", "running",
                "writing", "done", "ignored"];
const POLICIES = ["auto", "draft", "assist", "off"];

export default {
  id: "status",
  strings: {
    en: {
      nav: "Mailboxes & connectors",
      mailboxes: "Support mailboxes",
      connectors: "Help-desk connectors",
      no_mailboxes: "No mailbox is connected yet. Add one with PUT /v1/mailboxes/<name> (see the README).",
      no_connectors: "No help desk is connected yet. Add one with POST /v1/connectors (see the README).",
      address: "Replies from",
      policy: "Mode",
      policy_auto: "sends answers itself",
      policy_draft: "drafts replies for an agent",
      policy_assist: "adds notes for an agent",
      policy_off: "off",
      served_by: "Served by",
      not_served: "no worker right now",
      last_poll: "Last checked",
      never: "never",
      last_error: "Last error",
      no_error: "none",
      messages: "Messages",
      vendor: "Help desk",
      base_url: "Address",
      receiver: "Webhook path",
      polled: "polled (no webhook)",
      jobs: "Deliveries",
      updated: "Changed",
      nothing_yet: "none yet",
      state_sent: "sent",
      state_drafted: "drafted",
      state_skipped: "skipped",
      state_failed: "failed",
      state_set_aside: "set aside",
      state_received: "received",
      state_sending: "sending",
      state_queued: "queued",
      state_running: "in progress",
      state_writing: "writing back",
      state_done: "done",
      state_ignored: "ignored",
    },
    ja: {
      nav: "メールボックスと連携",
      mailboxes: "サポート用メールボックス",
      connectors: "ヘルプデスク連携",
      no_mailboxes: "まだメールボックスが接続されていません。PUT /v1/mailboxes/<name> で追加できます（README 参照）。",
      no_connectors: "まだヘルプデスクが連携されていません。POST /v1/connectors で追加できます（README 参照）。",
      address: "送信元アドレス",
      policy: "動作モード",
      policy_auto: "自動で返信",
      policy_draft: "担当者向けに下書きを作成",
      policy_assist: "担当者向けにメモを追加",
      policy_off: "停止中",
      served_by: "処理しているワーカー",
      not_served: "現在なし",
      last_poll: "最終確認",
      never: "まだありません",
      last_error: "直近のエラー",
      no_error: "なし",
      messages: "メッセージ",
      vendor: "ヘルプデスク",
      base_url: "URL",
      receiver: "Webhook のパス",
      polled: "定期的に取得（Webhook なし）",
      jobs: "受信した通知",
      updated: "更新日時",
      nothing_yet: "まだありません",
      state_sent: "送信済み",
      state_drafted: "下書き作成済み",
      state_skipped: "対象外",
      state_failed: "失敗",
      state_set_aside: "保留",
      state_received: "受信済み",
      state_sending: "送信中",
      state_queued: "待機中",
      state_running: "処理中",
      state_writing: "書き戻し中",
      state_done: "完了",
      state_ignored: "無視",
    },
    zh: {
      nav: "邮箱与集成",
      mailboxes: "客服邮箱",
      connectors: "服务台集成",
      no_mailboxes: "尚未连接任何邮箱。可通过 PUT /v1/mailboxes/<name> 添加（见 README）。",
      no_connectors: "尚未连接任何服务台。可通过 POST /v1/connectors 添加（见 README）。",
      address: "回复发件地址",
      policy: "处理方式",
      policy_auto: "自动回复",
      policy_draft: "为客服生成草稿",
      policy_assist: "为客服添加备注",
      policy_off: "已关闭",
      served_by: "处理进程",
      not_served: "当前没有",
      last_poll: "上次检查",
      never: "从未",
      last_error: "最近的错误",
      no_error: "无",
      messages: "邮件",
      vendor: "服务台",
      base_url: "地址",
      receiver: "Webhook 路径",
      polled: "定时拉取（无 Webhook）",
      jobs: "收到的推送",
      updated: "更新时间",
      nothing_yet: "暂无",
      state_sent: "已发送",
      state_drafted: "已起草",
      state_skipped: "已跳过",
      state_failed: "失败",
      state_set_aside: "已搁置",
      state_received: "已接收",
      state_sending: "发送中",
      state_queued: "排队中",
      state_running: "处理中",
      state_writing: "回写中",
      state_done: "已完成",
      state_ignored: "已忽略",
    },
    lt: {
      nav: "Pašto dėžutės ir integracijos",
      mailboxes: "Pagalbos pašto dėžutės",
      connectors: "Pagalbos sistemų integracijos",
      no_mailboxes: "Dar neprijungta nė viena pašto dėžutė. Ją pridėsite per PUT /v1/mailboxes/<name> (žr. README).",
      no_connectors: "Dar neprijungta nė viena pagalbos sistema. Ją pridėsite per POST /v1/connectors (žr. README).",
      address: "Atsakymai siunčiami iš",
      policy: "Režimas",
      policy_auto: "atsako pats",
      policy_draft: "ruošia juodraščius konsultantui",
      policy_assist: "prideda pastabas konsultantui",
      policy_off: "išjungta",
      served_by: "Aptarnauja",
      not_served: "šiuo metu niekas",
      last_poll: "Paskutinį kartą tikrinta",
      never: "dar niekada",
      last_error: "Paskutinė klaida",
      no_error: "nėra",
      messages: "Laiškai",
      vendor: "Pagalbos sistema",
      base_url: "Adresas",
      receiver: "Webhook kelias",
      polled: "tikrinama periodiškai (be webhook)",
      jobs: "Gauti pranešimai",
      updated: "Pakeista",
      nothing_yet: "dar nėra",
      state_sent: "išsiųsta",
      state_drafted: "paruoštas juodraštis",
      state_skipped: "praleista",
      state_failed: "nepavyko",
      state_set_aside: "atidėta",
      state_received: "gauta",
      state_sending: "siunčiama",
      state_queued: "laukia eilėje",
      state_running: "vykdoma",
      state_writing: "rašoma į sistemą",
      state_done: "atlikta",
      state_ignored: "ignoruota",
    },
  },

  async render(root, ctx) {
    const {t} = ctx;
    const [mailboxes, connectors] = await Promise.allSettled([ctx.api("GET", "/v1/mailboxes"),
                                                               ctx.api("GET", "/v1/connectors")]);
    root.append(section(ctx, "mailboxes", mailboxes, t("no_mailboxes"), (mailbox) => mailboxItem(ctx, mailbox)),
                section(ctx, "connectors", connectors, t("no_connectors"), (connector) => connectorItem(ctx, connector)));
  },
};

function section(ctx, id, result, empty, item) {
  const {h, t} = ctx;
  const element = h("section", {id, "aria-labelledby": `${id}-title`}, h("h2", {id: `${id}-title`}, t(id)));
  if (result.status === "rejected") ctx.showError(result.reason);
  else if (!result.value.length) element.append(h("p", {class: "empty-state"}, empty));
  else element.append(h("ul", {class: "status-list"}, result.value.map(item)));
  return element;
}

function mailboxItem(ctx, mailbox) {
  const {h, t} = ctx;
  const {settings, status} = mailbox;
  return h("li", {class: "status-item", "data-mailbox": mailbox.name}, h("h3", {}, mailbox.name), facts(ctx, [
    ["address", settings.from_address],
    ["policy", policy(ctx, settings.policy)],
    ["served_by", status.served_by || t("not_served")],
    ["last_poll", status.last_poll_at ? moment(ctx, status.last_poll_at) : t("never")],
    ["last_error", status.last_error ? [status.last_error, " (", moment(ctx, status.last_error_at), ")"]
      : t("no_error")],
    ["messages", states(ctx, status.messages)],
  ]));
}

function connectorItem(ctx, connector) {
  const {h, t} = ctx;
  const {settings} = connector;
  return h("li", {class: "status-item", "data-connector": connector.id}, h("h3", {}, connector.id), facts(ctx, [
    ["vendor", settings.vendor],
    ["base_url", settings.base_url],
    ["policy", policy(ctx, settings.policy)],
    ["receiver", connector.receiver_path ? h("code", {}, connector.receiver_path) : t("polled")],
    ["jobs", states(ctx, connector.jobs)],
    ["updated", moment(ctx, connector.updated_at)],
  ]));
}

function facts(ctx, pairs) {
  const {h, t} = ctx;
  return h("dl", {}, pairs.map(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, value ?? "–")]));
}

function policy(ctx, value) {
  return POLICIES.includes(value) ? ctx.t(`policy_${value}`) : value;
}

function moment(ctx, value) {
  return value ? ctx.h("time", {datetime: value}, formatMoment(ctx.language, value)) : "–";
}

/** Counts per state ("sent 3, failed 1"); states the console does not know are shown by their API name. */
function states(ctx, counts) {
  const entries = Object.entries(counts || {}).filter(([, count]) => count);
  if (!entries.length) return ctx.t("nothing_yet");
  return entries.map(([state, count]) => `${STATES.includes(state) ? ctx.t(`state_${state}`) : state} `
    + formatNumber(ctx.language, count)).join(", ");
}
