"""``python -m bench.mailbox``: a support mailbox of mixed mail answered by one worker process, end to end.

Everything is real and throwaway: a SQLite store in a temporary folder with the demo tenant (its index copied
from ``build/index/demo`` when built, else the worker builds it), a Dovecot IMAP server and an SMTP server
that keeps what it receives (:mod:`tests.mailservers`), one mailbox of policy ``auto`` with a done folder,
and one ``python -m api.mailbox`` process with the production defaults. Once the worker holds the mailbox's
lease, every message is delivered at once (IMAP APPEND, one connection, as fast as the server takes them),
each one's delivery time noted, and the run waits until every message has a final state in the store (sent,
drafted, skipped, set aside) or ``--timeout``.

The mail (``--messages``, 500 by default) is built here from templates in en, ja, zh and lt, about equally,
every message with its own sender, order number, name and date, so no two are alike and no sender reaches
the reply budget: about half single questions the demo KB answers surely (password, refund, invoice,
address, tracking, cancelling), two-question mails, questions no article answers (drafts), out-of-office
auto-replies (Auto-Submitted), mailing-list mail (List-Id) and bounces (MAILER-DAEMON). Every second
ja/zh/lt message is in its language's legacy charset (ISO-2022-JP, GB2312, Windows-1257), every fifth
question HTML only.

Measured: messages per minute (final states over the time from the first delivery to the last final state),
delivery to reply received by the SMTP server (p50, p95; sent mail, matched by In-Reply-To), delivery to
final state (p50, p95; every message), the longest pause between two final states, outcomes per kind of
mail, duplicates (a second reply to a message, or a second draft for it in the drafts folder; goal 0) and the
ERROR and Traceback lines of the worker's log.
Prints tables, writes ``build/bench/mailbox.json``; progress on stderr.

    python -m bench.mailbox [--messages 500] [--seed 20261203] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import email
import html
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from itertools import pairwise
from pathlib import Path

import numpy as np

from api.mailbox.config import MailboxSettings
from api.mailbox.manage import save_mailbox
from api.mailbox.worker import DONE
from api.secrets import PasswordBox, new_key
from api.services import seed_tenant
from bench.emails import format_slot, log
from bench.workload import BENCH_DIR
from evals.common import print_table
from indexer.settings import DEMO_INDEX, DEMO_KB, PROJECT_ROOT
from kb.stores import MailRecord, Store, create_store
from tests.mailservers import Dovecot, SmtpSink

RESULTS = BENCH_DIR / "mailbox.json"
WORKER_LOG = BENCH_DIR / "mailbox-worker.log"
TENANT, MAILBOX = "demo", "support"
SUPPORT, PASSWORD = "support@example.com", "Lantern-Orchard-58"
SEED = 20261203
LANGUAGES = ("en", "ja", "zh", "lt")
LEGACY_CHARSETS = {"ja": "iso-2022-jp", "zh": "gb2312", "lt": "windows-1257"}
HTML_ONLY_EVERY = 5  # every fifth question (single, two, unanswerable) is HTML only
FINAL_STATES = frozenset(DONE.values())
PROGRESS_S = 5.0
SETTLE_S = 3.0  # after the last final state: time for a duplicate reply to arrive, were one sent

# Each kind of mail: its share of the mailbox, and per language its (subject, body) templates, whose {name},
# {order} and {date} are filled per message. Skipped kinds get their headers and sender in ``build_mail``.
KINDS: dict[str, tuple[float, dict[str, list[tuple[str, str]]]]] = {
    "question": (0.50, {
        "en": [("Can't log in", "Hello,\n\nI forgot my password and haven't been able to log in since {date}. How do "
                                "I reset it?\n\nThanks,\n{name}"),
               ("Refund for {order}", "Hi,\n\nI sent order {order} back on {date}. When will I get my refund?\n\n"
                                      "Best regards,\n{name}"),
               ("Invoice for {order}", "Hello,\n\nI need an invoice for order {order} for my company's accounts. "
                                       "Where can I download it?\n\nKind regards,\n{name}"),
               ("Wrong address on {order}", "Hi,\n\nI typed the wrong delivery address for order {order} on {date}. "
                                            "How can I change it?\n\nThanks,\n{name}"),
               ("Where is {order}?", "Hello,\n\nI ordered on {date} (order {order}). How can I track my parcel?\n\n"
                                     "Thank you,\n{name}"),
               ("Cancel {order}", "Hi,\n\nI placed order {order} by mistake on {date}. How do I cancel it?\n\n"
                                  "Regards,\n{name}")],
        "ja": [("ログインできません", "お世話になっております。\n\nパスワードを忘れてしまい、{date}からログインできません。"
                                      "どうすればリセットできますか？\n\n{name}"),
               ("返金について（{order}）", "こんにちは。\n\n{date}に注文{order}の商品を返品しましたが、まだ返金されていま"
                                          "せん。返金はいつになりますか？\n\nよろしくお願いいたします。\n{name}"),
               ("請求書の発行（{order}）", "お世話になっております。\n\n注文{order}の会社宛ての請求書が必要です。どこから"
                                          "ダウンロードできますか？\n\nよろしくお願いいたします。\n{name}"),
               ("お届け先の変更（{order}）", "こんにちは。\n\n{date}に注文した{order}の届け先住所を間違えて入力してしまい"
                                            "ました。住所を変更するにはどうすればいいですか？\n\n{name}"),
               ("注文{order}の状況", "こんにちは。\n\n{date}に注文しました（注文番号{order}）。荷物の追跡番号はどこで"
                                    "確認できますか？\n\n{name}"),
               ("キャンセルのお願い（{order}）", "お世話になっております。\n\n{date}に間違えて注文してしまいました"
                                                "（{order}）。キャンセルできますか？\n\n{name}")],
        "zh": [("登录不了", "你好，\n\n我忘记密码了，从{date}起就登录不了。怎么重置密码？\n\n谢谢！\n{name}"),
               ("退款（{order}）", "你好，\n\n订单{order}的东西我{date}就寄回去了，什么时候能退款？\n\n{name}"),
               ("开发票（{order}）", "您好，\n\n订单{order}需要开公司抬头的发票，在哪里下载发票？\n\n谢谢，\n{name}"),
               ("修改地址（{order}）", "你好，\n\n我{date}下的订单{order}地址填错了，怎么修改收货地址？\n\n{name}"),
               ("订单{order}", "你好，\n\n我{date}下的单（{order}），我的快递到哪了？\n\n{name}"),
               ("取消订单{order}", "你好，\n\n我{date}下错单了（{order}），怎么取消订单？\n\n谢谢，\n{name}")],
        "lt": [("Slaptažodis", "Sveiki,\n\npamiršau slaptažodį ir nuo {date} negaliu prisijungti. Kaip jį atkurti?\n\n"
                               "Ačiū,\n{name}"),
               ("Pinigų grąžinimas ({order})", "Laba diena,\n\n{date} grąžinau užsakymą {order}. Kada gausiu grąžintus "
                                               "pinigus?\n\nPagarbiai,\n{name}"),
               ("Sąskaita faktūra ({order})", "Laba diena,\n\nįmonei reikia PVM sąskaitos faktūros už užsakymą {order}. "
                                              "Kur galiu ją atsisiųsti?\n\nPagarbiai,\n{name}"),
               ("Adreso keitimas ({order})", "Sveiki,\n\nužsakyme {order} įvedžiau neteisingą adresą. Kaip pakeisti "
                                             "pristatymo adresą?\n\nAčiū,\n{name}"),
               ("Užsakymas {order}", "Laba diena,\n\n{date} pateikiau užsakymą {order}. Kaip sekti siuntinį?\n\n"
                                     "Ačiū,\n{name}"),
               ("Užsakymo atšaukimas", "Sveiki,\n\n{date} per klaidą pateikiau užsakymą {order}. Ar galiu jį "
                                       "atšaukti?\n\n{name}")],
    }),
    "two questions": (0.15, {
        "en": [("Invoice and address", "Hi,\n\nI need an invoice for order {order} for my company's accounts.\n\n"
                                       "And separately: how can I change the delivery address of that order?\n\n"
                                       "Thanks,\n{name}"),
               ("Refund and password", "Hello,\n\nI returned order {order} on {date}. When will I get my refund?\n\n"
                                       "Also, I forgot my password. How do I reset it?\n\nBest,\n{name}")],
        "ja": [("請求書と住所変更", "お世話になっております。\n\n注文{order}の請求書はどこからダウンロードできますか？\n\n"
                                    "また、同じ注文のお届け先住所を変更したいのですが、どうすればいいですか？\n\n{name}"),
               ("返金とパスワード", "こんにちは。\n\n{date}に注文{order}を返品しました。返金はいつになりますか？\n\n"
                                    "それから、パスワードを忘れてしまいました。どうすればリセットできますか？\n\n{name}")],
        "zh": [("发票和地址", "你好，\n\n订单{order}在哪里下载发票？\n\n另外，这个订单的收货地址填错了，怎么修改？\n\n"
                              "谢谢，\n{name}"),
               ("退款和密码", "你好，\n\n我{date}把订单{order}寄回去了，什么时候能退款？\n\n还有，我忘记密码了，怎么重置？"
                              "\n\n{name}")],
        "lt": [("Sąskaita ir adresas", "Laba diena,\n\nkur galiu atsisiųsti užsakymo {order} sąskaitą faktūrą?\n\n"
                                       "Ir dar: kaip pakeisti šio užsakymo pristatymo adresą?\n\nAčiū,\n{name}"),
               ("Grąžinimas ir slaptažodis", "Sveiki,\n\n{date} grąžinau užsakymą {order}. Kada gausiu pinigus?\n\n"
                                             "Be to, pamiršau slaptažodį. Kaip jį atkurti?\n\nPagarbiai,\n{name}")],
    }),
    "unanswerable": (0.15, {
        "en": [("Weather", "Hello,\n\nwhat will the weather be like in Kaunas on {date}?\n\n{name}"),
               ("My cat", "Hi,\n\nmy cat has barely eaten since {date}. What should I do?\n\n{name}"),
               ("A dentist", "Hello,\n\ncan you recommend a good dentist in Vilnius? I'm visiting on {date}.\n\n{name}")],
        "ja": [("天気", "こんにちは。\n\n{date}の東京の天気はどうなりますか？\n\n{name}"),
               ("猫のこと", "こんにちは。\n\nうちの猫が{date}からごはんをあまり食べません。どうしたらいいでしょうか？\n\n{name}"),
               ("カレーの作り方", "こんにちは。\n\n{date}に友人が来るので、おいしいカレーの作り方を教えていただけますか？"
                                 "\n\n{name}")],
        "zh": [("天气", "你好，\n\n{date}北京的天气怎么样？\n\n{name}"),
               ("我的猫", "你好，\n\n我家的猫从{date}开始就不怎么吃东西了，怎么办？\n\n{name}"),
               ("火锅店", "你好，\n\n我{date}去上海，你们能推荐一家好吃的火锅店吗？\n\n{name}")],
        "lt": [("Orai", "Sveiki,\n\nkoks bus oras Kaune {date}?\n\n{name}"),
               ("Katinas", "Sveiki,\n\nmano katinas nuo {date} beveik nieko neėda. Ką daryti?\n\n{name}"),
               ("Picerija", "Laba diena,\n\ngal galite rekomenduoti gerą piceriją Vilniuje? Būsiu ten {date}.\n\n{name}")],
    }),
    "auto-reply": (0.08, {
        "en": [("Automatic reply: your order {order}", "Thank you for your message. I am out of the office until {date} "
                                                       "and will reply when I am back.\n\n{name}")],
        "ja": [("自動応答：注文{order}について", "メールありがとうございます。{date}まで不在にしております。戻り次第、"
                                                "ご連絡いたします。\n\n{name}")],
        "zh": [("自动回复：订单{order}", "您好，我{date}之前在休假，无法及时回复邮件，回来后会尽快与您联系。\n\n{name}")],
        "lt": [("Automatinis atsakymas: užsakymas {order}", "Dėkoju už laišką. Atostogauju, į laiškus atsakysiu po "
                                                            "{date}.\n\n{name}")],
    }),
    "mailing list": (0.06, {
        "en": [("This week's deals, until {date}", "Up to 30% off garden furniture until {date}.\n\nYou receive this "
                                                   "because you subscribed to our list. Unsubscribe at any time.")],
        "ja": [("今週のセール（{date}まで）", "{date}まで、ガーデン家具が最大30％オフ。\n\nこのメールはメールマガジンに"
                                            "ご登録いただいた方にお送りしています。配信停止はいつでもできます。")],
        "zh": [("本周优惠（截至{date}）", "截至{date}，花园家具最低七折。\n\n您收到这封邮件是因为您订阅了我们的邮件列表，"
                                        "可以随时退订。")],
        "lt": [("Šios savaitės pasiūlymai iki {date}", "Sodo baldams iki {date} – iki 30 % nuolaida.\n\nŠį laišką gaunate, "
                                                       "nes užsiprenumeravote naujienlaiškį. Atsisakyti galite bet kada.")],
    }),
    "bounce": (0.06, {
        "en": [("Undelivered Mail Returned to Sender", "This is the mail system.\n\nYour message of {date} about order "
                                                       "{order} could not be delivered to one or more recipients: the "
                                                       "mailbox does not exist.")],
        "ja": [("配信不能のお知らせ", "これはメールシステムからの自動通知です。\n\n{date}に送信された注文{order}に関する"
                                      "メッセージは、宛先が存在しないため配信できませんでした。")],
        "zh": [("退信通知", "这是邮件系统自动发出的通知。\n\n您于{date}发送的关于订单{order}的邮件无法投递：收件人邮箱不存在。")],
        "lt": [("Laiškas nepristatytas", "Tai automatinis pašto sistemos pranešimas.\n\nJūsų {date} laiško apie užsakymą "
                                         "{order} nepavyko pristatyti: gavėjo pašto dėžutė neegzistuoja.")],
    }),
}
ANSWERED_KINDS = ("question", "two questions", "unanswerable")
NAMES = {
    "en": ["Ann Smith", "James Taylor", "Olivia Brown", "Mark Wilson", "Emily Evans", "Daniel Walker", "Grace Hughes",
           "Tom Clarke", "Sarah Wright", "Peter Hall"],
    "ja": ["山田 花子", "佐藤 健一", "鈴木 美咲", "高橋 大輔", "田中 由美", "伊藤 直子", "渡辺 誠", "中村 恵",
           "小林 和也", "加藤 陽子"],
    "zh": ["王芳", "李伟", "张静", "刘洋", "陈磊", "杨敏", "赵强", "黄丽", "周杰", "吴婷"],
    "lt": ["Rūta Žukauskienė", "Jonas Petraitis", "Eglė Kazlauskaitė", "Tomas Jankauskas", "Asta Stankevičienė",
           "Mantas Vasiliauskas", "Ieva Butkutė", "Darius Paulauskas", "Gintarė Šimkutė", "Žygimantas Černius"],
}


@dataclass(frozen=True)
class Mail:
    """One message of the run, as delivered."""

    number: int
    kind: str
    language: str
    charset: str
    html_only: bool
    message_id: str
    raw: bytes


def kind_counts(messages: int) -> dict[str, int]:
    """How many messages of each kind: its share of ``messages``, at least one each (with 6 or more), and the
    rest single questions."""
    others = {kind: max(1, round(share * messages)) for kind, (share, _) in KINDS.items() if kind != "question"}
    questions = messages - sum(others.values())
    if questions < 1:
        raise ValueError(f"--messages {messages}: at least {len(KINDS)} are needed, one of each kind")
    return {"question": questions, **others}


def build_mails(messages: int, seed: int = SEED) -> list[Mail]:
    """The run's messages in delivery order (shuffled with ``seed``): each kind in the four languages in turn,
    every message's text new (redrawn until it is).

    Raises:
        ValueError: fewer messages than kinds of mail.
    """
    rng = random.Random(seed)
    orders = iter(rng.sample(range(100_000, 1_000_000), messages * 4))
    plan = [kind for kind, count in kind_counts(messages).items() for _ in range(count)]
    seen: set[str] = set()
    mails = []
    for number, kind in enumerate(plan):
        language = LANGUAGES[number % len(LANGUAGES)]
        while True:
            name = rng.choice(NAMES[language])
            subject, body = rng.choice(KINDS[kind][1][language])
            details = {"name": name if language in ("ja", "zh") else name.split()[0],
                       "order": format_slot("order", next(orders), language),
                       "date": format_slot("date", rng.randrange(365), language)}
            subject, body = subject.format(**details), body.format(**details)
            if body not in seen:
                seen.add(body)
                break
        mails.append(build_mail(number, kind, language, name, subject, body))
    rng.shuffle(mails)
    return mails


def build_mail(number: int, kind: str, language: str, name: str, subject: str, body: str) -> Mail:
    """One raw message (``number``: its place in the plan, where the languages take turns): its sender and
    headers by kind, the body in a legacy charset every second ja/zh/lt message, HTML only every fifth
    question of a language."""
    message = EmailMessage()
    if kind == "mailing list":
        message["From"] = formataddr(("Garden Deals", f"news@list{number}.example"))
        message["List-Id"] = f"Garden deals <deals.list{number}.example>"
        message["List-Unsubscribe"] = f"<mailto:leave@list{number}.example>"
    elif kind == "bounce":
        message["From"] = formataddr(("Mail Delivery System", f"MAILER-DAEMON@mx{number}.example"))
        message["Return-Path"] = "<>"
        message["Auto-Submitted"] = "auto-replied"
    else:
        message["From"] = formataddr((name, f"customer{number}@{language}.customers.example"))
        if kind == "auto-reply":
            message["Auto-Submitted"] = "auto-replied"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(datetime.now(UTC))
    message_id = make_msgid(f"m{number}", domain="customers.example")
    message["Message-ID"] = message_id
    nth = number // len(LANGUAGES)  # the message's place among those of its language
    charset = LEGACY_CHARSETS[language] if language in LEGACY_CHARSETS and nth % 2 else "utf-8"
    html_only = kind in ANSWERED_KINDS and nth % HTML_ONLY_EVERY == 0
    if html_only:
        paragraphs = "".join(f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in body.split("\n\n"))
        message.set_content(f"<html><body>{paragraphs}</body></html>", subtype="html", charset=charset)
    else:
        message.set_content(body, charset=charset)
    return Mail(number, kind, language, charset, html_only, message_id, bytes(message))


class TimedSink(SmtpSink):
    """An SMTP server that keeps what it receives and when each message arrived."""

    def __init__(self):
        super().__init__()
        self.arrivals: list[datetime] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if answer.startswith("250"):
            self.arrivals.append(datetime.now(UTC))
        return answer


@contextmanager
def worker_process(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """A ``python -m api.mailbox`` process with ``env``, its log (stderr) in ``log_path``; stopped on the way out
    (SIGTERM, SIGKILL after 30 s)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "api.mailbox"], cwd=PROJECT_ROOT, env=env,
                                   stderr=log_file)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def throwaway_store(folder: Path) -> Store:
    """A SQLite store in ``folder`` with the demo tenant, and the demo index copied beside it when built."""
    store = create_store("sqlite", folder / "store.sqlite3")
    seed_tenant(store, TENANT, DEMO_KB)
    if DEMO_INDEX.is_dir():  # else the worker builds it on start
        shutil.copytree(DEMO_INDEX, folder / "index" / TENANT)
    return store


def mailbox_settings(dovecot: Dovecot, sink: SmtpSink) -> MailboxSettings:
    """The mailbox under test: policy auto, replies from the support address, handled mail moved to Done."""
    return MailboxSettings.model_validate({
        "imap": {"host": dovecot.host, "port": dovecot.port, "security": "none", "user": SUPPORT,
                 "password": PASSWORD},
        "smtp": {"host": sink.host, "port": sink.port, "security": "none"},
        "folders": {"inbox": "INBOX", "drafts": "Drafts", "done": "Done"},
        "from_address": SUPPORT, "from_name": "Brightcart Support", "policy": "auto"})


def wait_until(condition: Callable[[], bool], worker: subprocess.Popen, timeout: float, what: str) -> None:
    """Poll ``condition`` every 0.2 s.

    Raises:
        RuntimeError: the worker exited meanwhile.
        TimeoutError: ``timeout`` passed first.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with code {worker.returncode} before {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.2)


def deliver(dovecot: Dovecot, mails: list[Mail]) -> dict[str, datetime]:
    """Append every message to the inbox on one connection, one right after the other.

    Returns:
        When the server had taken each, by Message-ID.
    """
    delivered = {}
    client = dovecot.connect(SUPPORT)
    try:
        last_report = time.monotonic()
        for done, mail in enumerate(mails, 1):
            client.append("INBOX", mail.raw)
            delivered[mail.message_id] = datetime.now(UTC)
            if time.monotonic() - last_report > PROGRESS_S or done == len(mails):
                log(f"delivered {done}/{len(mails)}")
                last_report = time.monotonic()
    finally:
        client.logout()
    return delivered


def wait_for_final_states(store: Store, worker: subprocess.Popen, expected: int,
                          timeout: float) -> dict[str, MailRecord]:
    """Poll the store until ``expected`` messages have a final state, the worker exits or ``timeout`` passes.

    Returns:
        Every message's record, by Message-ID.
    """
    deadline = time.monotonic() + timeout
    while True:
        records = {record.message_id: record for record in store.mail_messages.recent(TENANT, MAILBOX, expected * 2)}
        states = Counter(record.state.value for record in records.values())
        finished = sum(states[state] for state in FINAL_STATES)
        log(f"finished {finished}/{expected} ({', '.join(f'{state} {n}' for state, n in sorted(states.items()))})")
        if finished >= expected or worker.poll() is not None or time.monotonic() > deadline:
            return records
        time.sleep(PROGRESS_S)


def percentiles_s(seconds: list[float]) -> dict[str, float | None]:
    return {f"p{q}_s": round(float(np.percentile(seconds, q)), 2) if seconds else None for q in (50, 95)}


def measure(mails: list[Mail], delivered: dict[str, datetime], records: dict[str, MailRecord], sink: TimedSink,
            drafts: list[bytes], worker_log: str) -> dict:
    """The run's figures: rate, latencies, outcomes per kind, duplicates and worker log errors."""
    outcome = {mail.message_id: records[mail.message_id].state.value if mail.message_id in records else "unseen"
               for mail in mails}
    finished = [mail.message_id for mail in mails if outcome[mail.message_id] in FINAL_STATES]
    final_at = {message_id: records[message_id].updated_at for message_id in finished}
    replies: dict[str, list[datetime]] = {}
    for received, arrival in zip(sink.messages(), sink.arrivals, strict=True):
        parsed = email.message_from_bytes(received.raw, policy=policy.default)
        replies.setdefault(parsed["In-Reply-To"], []).append(arrival)
    draft_counts = Counter(email.message_from_bytes(raw, policy=policy.default)["In-Reply-To"] for raw in drafts)
    first_delivery = min(delivered.values())
    wall_s = (max(final_at.values()) - first_delivery).total_seconds() if final_at else 0.0
    by_kind = {kind: dict(Counter(outcome[mail.message_id] for mail in mails if mail.kind == kind)) for kind in KINDS}
    skipped_for_budget = sum("budget" in (records[message_id].reason or "") for message_id in finished)
    return {
        "messages": len(mails), "finished": len(finished), "wall_s": round(wall_s, 1),
        "delivery_s": round((max(delivered.values()) - first_delivery).total_seconds(), 2),
        "per_minute": round(len(finished) / wall_s * 60, 1) if wall_s else None,
        "outcomes": dict(Counter(outcome.values())),
        "delivery_to_reply": percentiles_s([(replies[message_id][0] - delivered[message_id]).total_seconds()
                                            for message_id in finished if message_id in replies]),
        "delivery_to_final": percentiles_s([(final_at[message_id] - delivered[message_id]).total_seconds()
                                            for message_id in finished]),
        "longest_pause_s": round(max((later - earlier).total_seconds() for earlier, later
                                     in pairwise(sorted([first_delivery, *final_at.values()]))), 2),
        "duplicates": {"replies": sum(len(times) - 1 for times in replies.values()),
                       "drafts": sum(count - 1 for count in draft_counts.values())},
        "replies_without_a_sent_record": sum(len(times) for message_id, times in replies.items()
                                             if outcome.get(message_id) != "sent"),
        "skipped_for_sender_budget": skipped_for_budget,
        "by_kind": by_kind,
        "mix": mix(mails),
        "worker_log_errors": sum("ERROR" in line or "Traceback" in line for line in worker_log.splitlines()),
    }


def mix(mails: list[Mail]) -> dict[str, dict[str, int]]:
    """Per kind of mail: how many, per language, in a legacy charset, HTML only."""
    return {kind: {"messages": len(of_kind), **Counter(mail.language for mail in of_kind),
                   "legacy_charset": sum(mail.charset != "utf-8" for mail in of_kind),
                   "html_only": sum(mail.html_only for mail in of_kind)}
            for kind in KINDS if (of_kind := [mail for mail in mails if mail.kind == kind])}


def run(messages: int, seed: int, timeout: float, worker_log: Path) -> dict:
    """Build the mail, start the servers and the worker, deliver, wait, measure; everything is stopped and
    removed on the way out (also after a failure or Ctrl-C)."""
    mails = build_mails(messages, seed)
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="kb-mailbench-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        store = throwaway_store(folder)
        stack.callback(store.close)
        key = new_key()
        dovecot = stack.enter_context(Dovecot({SUPPORT: PASSWORD}))
        sink = stack.enter_context(TimedSink())
        save_mailbox(store, PasswordBox(key), TENANT, MAILBOX, mailbox_settings(dovecot, sink))
        env = {**os.environ, "KB_STORE": "sqlite", "KB_STORE_PATH": str(folder / "store.sqlite3"),
               "KB_VECTOR_BACKEND": "faiss", "KB_INDEX_DIR": str(folder / "index"), "KB_SECRETS_KEY": key,
               "KB_LOG_LEVEL": "WARNING"}
        with worker_process(env, worker_log) as worker:
            log("waiting for the worker to load and take the mailbox's lease ...")
            started = time.monotonic()
            wait_until(lambda: store.mailboxes.status(TENANT, MAILBOX).lease is not None, worker, 600,
                       f"the worker took the mailbox's lease (its log: {worker_log})")
            ready_s = time.monotonic() - started
            delivered = deliver(dovecot, mails)
            records = wait_for_final_states(store, worker, len(mails), timeout)
            time.sleep(SETTLE_S)
        drafts = [raw for raw, _ in dovecot.messages(SUPPORT, "Drafts")]
        results = measure(mails, delivered, records, sink, drafts, worker_log.read_text(errors="replace"))
    return {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, "
            f"{platform.processor() or platform.machine()}", "seed": seed, "worker_ready_s": round(ready_s, 1),
            **results}


def print_results(results: dict) -> None:
    """The mix of mail, the outcomes per kind, and the figures."""
    outcomes = ("sent", "drafted", "skipped", "set_aside", "unfinished")
    rows = []
    for kind, shape in results["mix"].items():
        done = results["by_kind"][kind]
        unfinished = shape["messages"] - sum(done.get(state, 0) for state in FINAL_STATES)
        rows.append([kind, shape["messages"], *(shape.get(language, 0) for language in LANGUAGES),
                     shape["legacy_charset"], shape["html_only"], *(done.get(state, 0) for state in outcomes[:-1]),
                     unfinished])
    print_table(f"mailbox bench — {results['date']}, {results['machine']}, demo KB, one worker process, "
                f"{results['messages']} messages delivered at once: the mix and what became of it",
                ["kind", "messages", *LANGUAGES, "legacy charset", "HTML only", *outcomes], rows)
    reply, final = results["delivery_to_reply"], results["delivery_to_final"]
    duplicates = results["duplicates"]
    print_table("figures", ["measure", "value"], [
        ["worker start to mailbox lease, s", f"{results['worker_ready_s']:.1f}"],
        ["delivery of every message (IMAP APPEND), s", f"{results['delivery_s']:.2f}"],
        ["first delivery to last final state, s", f"{results['wall_s']:.1f}"],
        ["messages per minute", f"{results['per_minute'] or 0:.1f}"],
        ["delivery -> reply received, p50 / p95 s", f"{reply['p50_s']} / {reply['p95_s']}"],
        ["delivery -> final state, p50 / p95 s", f"{final['p50_s']} / {final['p95_s']}"],
        ["longest pause between final states, s", f"{results['longest_pause_s']:.1f}"],
        ["final states", f"{results['finished']} of {results['messages']}"],
        ["duplicates: second replies / second drafts", f"{duplicates['replies']} / {duplicates['drafts']}"],
        ["replies to mail not recorded as sent", results["replies_without_a_sent_record"]],
        ["skipped for the sender's reply budget", results["skipped_for_sender_budget"]],
        ["ERROR / Traceback lines in the worker log", results["worker_log_errors"]]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mailbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=500, help="messages delivered (at least one of each kind)")
    parser.add_argument("--seed", type=int, default=SEED, help="the mail's details and order")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for every final state")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the figures are written")
    parser.add_argument("--worker-log", type=Path, default=WORKER_LOG, help="where the worker's log goes")
    args = parser.parse_args(argv)
    results = run(args.messages, args.seed, args.timeout, args.worker_log)
    print_results(results)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten: {args.results}")
    duplicates = results["duplicates"]["replies"] + results["duplicates"]["drafts"]
    return 0 if results["finished"] == results["messages"] and duplicates == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
