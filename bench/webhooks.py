"""``python -m bench.webhooks``: a burst of help-desk webhook deliveries to the connectors' receivers, end to end.

Everything is real and throwaway: an API server over the demo KB in a temporary store
(:func:`tests.servers.throwaway_demo_server`, with a fresh ``KB_SECRETS_KEY``), a local HTTP server standing in for
the help desks' APIs (:class:`tests.vendor_api.VendorApi`), and one connector per vendor (Zendesk, Freshdesk,
Zammad, Chatwoot; policy ``assist``) created through ``POST /v1/connectors``. Then ``--deliveries`` (200) distinct
customer messages, each a delivery of its vendor's documented shape signed its way
(:func:`tests.api.connectors.deliveries.signed_delivery`), the four vendors and four languages (en, ja, zh, lt)
in turn, one in five a question no article answers; about one in ten is sent twice (a vendor's retry). All of
them are sent at once, in a shuffled order, from ``--clients`` (16) concurrent connections.

Measured: the receivers' acknowledgement latency (p50, p95, p99, max; the issue's goal: p99 under 1 s), the
statuses and how many were acknowledged as received before (``queued: false``); then, polling
``GET /v1/connectors/{id}``, the time from the first delivery until every job is done or ignored, the jobs per
state, and the write-backs the vendor API received per distinct delivery (each must get exactly one note:
duplicates and missing ones are counted; Chatwoot's handoffs apart), plus the ERROR and Traceback lines of the
server's log. Prints tables, writes ``build/bench/webhooks.json``; progress on stderr.

    python -m bench.webhooks [--deliveries 200] [--clients 16] [--seed 20261203] [--timeout 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import numpy as np

from api.secrets import new_key
from bench.emails import format_slot, log
from bench.workload import BENCH_DIR
from evals.common import print_table
from indexer.settings import DEMO_INDEX
from tests.api.connectors.deliveries import signed_delivery
from tests.servers import throwaway_demo_server
from tests.vendor_api import Received, VendorApi

RESULTS = BENCH_DIR / "webhooks.json"
SERVER_LOG = BENCH_DIR / "webhooks-server.log"
SEED = 20261203
CLIENTS = 16
SECRET = "bench-webhook-signing-secret"  # noqa: S105 (the throwaway connectors' own)
VENDORS = ("zendesk", "freshdesk", "zammad", "chatwoot")  # the help desks that call our receivers
LANGUAGES = ("en", "ja", "zh", "lt")
DUPLICATE_SHARE = 0.10
UNANSWERABLE_EVERY = 5
PROCESSED_STATES = ("done", "ignored")
FINAL_STATES = (*PROCESSED_STATES, "set_aside")  # set aside: for a person, an error here
POLL_S = 0.5
PROGRESS_S = 5.0
SETTLE_S = 2.0  # after the last final state: time for a second write-back to arrive, were one made
FIRST_NUMBER = 50_001
ACK_GOAL_MS = 1000.0

# Customer messages of our own, per language: questions the demo KB answers, then ones no article answers;
# {order} and {date} are filled per delivery, so no two are alike.
QUESTIONS = {
    "en": (["I can't remember my password, so I'm locked out since {date}. How do I set a new one? (order {order})",
            "I returned order {order} on {date}. How long until the refund reaches my card?",
            "Our accountant needs an invoice for order {order}. Where do I download it?",
            "I entered an old delivery address for order {order}. Can I still change it?",
            "Order {order} was placed on {date}. Where can I follow the parcel?",
            "Please cancel order {order}, I ordered it twice by mistake on {date}."],
           ["Do you know a good plumber near Kaunas? Mine cancelled on {date} (we spoke about order {order}).",
            "What will the weather be like in Vilnius on {date}? I am planning a trip (ref {order})."]),
    "ja": (["{date}からパスワードが分からずログインできません。新しく設定する方法を教えてください（注文{order}）。",
            "{date}に注文{order}を返品しました。カードへの返金はいつ頃になりますか？",
            "経理に注文{order}の請求書を提出する必要があります。どこでダウンロードできますか？",
            "注文{order}のお届け先に古い住所を入れてしまいました。まだ変更できますか？",
            "{date}に注文{order}をしました。荷物の配送状況はどこで確認できますか？",
            "{date}に同じものを二回注文してしまいました。注文{order}をキャンセルしてください。"],
           ["{date}に京都へ行きます。おすすめの温泉を教えてください（注文{order}の件とは別です）。",
            "{date}の大阪の天気はどうなりそうですか？（参照番号{order}）"]),
    "zh": (["我从{date}起忘了密码，登录不上。怎么设置新密码？（订单{order}）",
            "我{date}退回了订单{order}，退款多久能到我的银行卡？",
            "会计需要订单{order}的发票，在哪里可以下载？",
            "订单{order}的收货地址我填成了旧地址，现在还能改吗？",
            "我{date}下了订单{order}，在哪里可以查看包裹的物流？",
            "我{date}不小心重复下单了，请帮我取消订单{order}。"],
           ["我{date}去杭州，有什么好吃的本地菜馆推荐吗？（和订单{order}无关）",
            "{date}广州会下雨吗？（参考号{order}）"]),
    "lt": (["Nuo {date} nepamenu slaptažodžio ir negaliu prisijungti. Kaip nustatyti naują? (užsakymas {order})",
            "{date} grąžinau užsakymą {order}. Kada pinigai grįš į mano kortelę?",
            "Buhalterei reikia užsakymo {order} sąskaitos faktūros. Kur ją atsisiųsti?",
            "Užsakyme {order} nurodžiau seną pristatymo adresą. Ar dar galiu jį pakeisti?",
            "{date} pateikiau užsakymą {order}. Kur galiu sekti siuntinį?",
            "{date} per klaidą užsakiau du kartus. Prašau atšaukti užsakymą {order}."],
           ["Gal žinote gerą santechniką Kaune? Manasis atšaukė vizitą {date} (ne dėl užsakymo {order}).",
            "Koks bus oras Klaipėdoje {date}? Planuoju išvyką (nuoroda {order})."]),
}
# Where each vendor's note (or reply) arrives: the ticket or conversation in the path (Zammad: in the body).
NOTE_PATHS = {
    "zendesk": re.compile(r"^/api/v2/tickets/(\d+)\.json$"),
    "freshdesk": re.compile(r"^/api/v2/tickets/(\d+)/(?:notes|reply)$"),
    "chatwoot": re.compile(r"^/api/v1/accounts/\d+/conversations/(\d+)/messages$"),
}
ZAMMAD_ARTICLES = "/api/v1/ticket_articles"
HANDOFF_PATH = re.compile(r"/conversations/\d+/toggle_status$")


@dataclass(frozen=True)
class Webhook:
    """One distinct delivery of the run, as its vendor sends it.

    Args:
        number: its ticket (conversation) id and, in the vendor's way, its delivery id.
        vendor: the help desk.
        language: the customer's language.
        answerable: a question the demo KB answers.
        text: the customer's message.
        body: the signed body.
        headers: the vendor's headers, signature included.
    """

    number: int
    vendor: str
    language: str
    answerable: bool
    text: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Ack:
    """A receiver's answer to one request: latency, status (0: no response) and ``queued`` (None: no receipt)."""

    number: int
    ms: float
    status: int
    queued: bool | None


def build_webhooks(deliveries: int, seed: int = SEED) -> list[Webhook]:
    """The run's distinct deliveries: vendors and languages in turn (each vendor gets every language), every
    :data:`UNANSWERABLE_EVERY`-th a question no article answers, each message with its own order number and date.

    Raises:
        ValueError: fewer than one delivery per vendor.
    """
    if deliveries < len(VENDORS):
        raise ValueError(f"--deliveries {deliveries}: at least {len(VENDORS)} are needed, one per vendor")
    rng = random.Random(seed)
    orders = rng.sample(range(100_000, 1_000_000), deliveries)
    webhooks = []
    for index, order in enumerate(orders):
        vendor, language = VENDORS[index % len(VENDORS)], LANGUAGES[index // len(VENDORS) % len(LANGUAGES)]
        answerable = index % UNANSWERABLE_EVERY != UNANSWERABLE_EVERY - 1
        answered, unanswered = QUESTIONS[language]
        text = rng.choice(answered if answerable else unanswered).format(
            order=format_slot("order", order, language), date=format_slot("date", rng.randrange(365), language))
        number = FIRST_NUMBER + index
        body, headers = signed_delivery(vendor, text, number, SECRET)
        webhooks.append(Webhook(number, vendor, language, answerable, text, body, headers))
    return webhooks


def burst(webhooks: list[Webhook], seed: int = SEED) -> list[Webhook]:
    """The requests to send: every delivery once, about :data:`DUPLICATE_SHARE` of them (at least one) twice,
    all in a shuffled order (a retry may even come first)."""
    rng = random.Random(seed + 1)
    twice = rng.sample(webhooks, max(1, round(len(webhooks) * DUPLICATE_SHARE)))
    requests = webhooks + twice
    rng.shuffle(requests)
    return requests


def create_connectors(admin: httpx.Client, vendor_api_url: str) -> dict[str, dict]:
    """One connector per vendor (policy assist) writing back to the local vendor API, by vendor."""
    connectors = {}
    for vendor in VENDORS:
        created = admin.post("/v1/connectors", json={
            "vendor": vendor, "secret": SECRET, "base_url": vendor_api_url, "user": "agent@brightcart.example",
            "token": f"{vendor}-bench-token", "account_id": "7", "policy": "assist"})
        created.raise_for_status()
        connectors[vendor] = created.json()
    return connectors


async def send_all(base_url: str, connectors: dict[str, dict], requests: list[Webhook], clients: int) -> list[Ack]:
    """Send every request at once from ``clients`` concurrent keep-alive connections.

    Returns:
        Each request's acknowledgement, in the order of ``requests``.
    """
    slots = asyncio.Semaphore(clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        async def send(webhook: Webhook) -> Ack:
            async with slots:
                started = time.perf_counter()
                try:
                    response = await client.post(connectors[webhook.vendor]["receiver_path"], content=webhook.body,
                                                 headers=webhook.headers)
                except httpx.HTTPError:
                    return Ack(webhook.number, (time.perf_counter() - started) * 1000, 0, None)
                ms = (time.perf_counter() - started) * 1000
                queued = response.json().get("queued") if response.is_success else None
                return Ack(webhook.number, ms, response.status_code, queued)

        return await asyncio.gather(*(send(webhook) for webhook in requests))


def wait_until_processed(admin: httpx.Client, connectors: dict[str, dict], expected: Counter,
                         timeout: float) -> dict[str, list[dict]]:
    """Poll every connector until each has ``expected[vendor]`` jobs in a final state, or ``timeout`` passes.

    Returns:
        Every connector's jobs (the ``recent`` deliveries), by vendor.
    """
    deadline, last_report = time.monotonic() + timeout, 0.0
    while True:
        counts = {vendor: admin.get(f"/v1/connectors/{created['id']}").json()["jobs"]
                  for vendor, created in connectors.items()}
        final = {vendor: sum(jobs.get(state, 0) for state in FINAL_STATES) for vendor, jobs in counts.items()}
        finished = all(final[vendor] >= expected[vendor] for vendor in connectors)
        if finished or time.monotonic() > deadline or time.monotonic() - last_report > PROGRESS_S:
            states = sum((Counter(jobs) for jobs in counts.values()), Counter())
            log(f"processed {sum(final.values())}/{sum(expected.values())} "
                f"({', '.join(f'{state} {n}' for state, n in sorted(states.items()) if n)})")
            last_report = time.monotonic()
        if finished or time.monotonic() > deadline:
            break
        time.sleep(POLL_S)
    return {vendor: admin.get(f"/v1/connectors/{created['id']}", params={"recent": min(500, expected[vendor])}
                              ).json()["recent"] for vendor, created in connectors.items()}


def written_to(call: Received) -> tuple[str, int] | None:
    """The vendor and ticket a note or reply was written to (None: not a note, e.g. Chatwoot's handoff)."""
    if call.path == ZAMMAD_ARTICLES:
        return "zammad", int(call.body["ticket_id"])
    for vendor, path in NOTE_PATHS.items():
        if match := path.match(call.path):
            return vendor, int(match[1])
    return None


def percentiles_ms(values: list[float]) -> dict[str, float | None]:
    shown = {f"p{q}_ms": round(float(np.percentile(values, q)), 1) if values else None for q in (50, 95, 99)}
    return {**shown, "max_ms": round(max(values), 1) if values else None}


def measure(webhooks: list[Webhook], acks: list[Ack], burst_s: float, sent_at: datetime,
            jobs: dict[str, list[dict]], calls: list[Received], server_log: str) -> dict:
    """The run's figures: acknowledgements, processing, write-backs per delivery and errors."""
    queued = Counter(ack.number for ack in acks if ack.queued)
    notes = Counter(key for call in calls if (key := written_to(call)) is not None)
    expected = {(webhook.vendor, webhook.number) for webhook in webhooks}
    finished = [job for vendor_jobs in jobs.values() for job in vendor_jobs if job["state"] in FINAL_STATES]
    last_final = max((datetime.fromisoformat(job["updated_at"]) for job in finished), default=None)
    return {
        "deliveries": len(webhooks), "requests": len(acks), "sent_twice": len(acks) - len(webhooks),
        "burst_s": round(burst_s, 2),
        "ack": {**percentiles_ms([ack.ms for ack in acks]), "statuses": dict(Counter(ack.status for ack in acks)),
                "acknowledged_as_received_before": sum(ack.queued is False for ack in acks),
                "queued_more_than_once": sum(count - 1 for count in queued.values() if count > 1),
                "never_queued": sum(webhook.number not in queued for webhook in webhooks)},
        "processed": sum(job["state"] in PROCESSED_STATES for job in finished),
        "processed_s": round((last_final - sent_at).total_seconds(), 1) if last_final else None,
        "jobs": dict(Counter(job["state"] for vendor_jobs in jobs.values() for job in vendor_jobs)),
        "write_backs": {"written_once": sum(notes[key] == 1 for key in expected),
                        "missing": sum(key not in notes for key in expected),
                        "duplicates": sum(notes[key] - 1 for key in expected if notes[key] > 1),
                        "unexpected": sum(count for key, count in notes.items() if key not in expected),
                        "handoffs": sum(bool(HANDOFF_PATH.search(call.path)) for call in calls)},
        "errors": {"ack_not_2xx": sum(not 200 <= ack.status < 300 for ack in acks),
                   "set_aside": sum(job["state"] == "set_aside" for job in finished),
                   "server_log": sum("ERROR" in line or "Traceback" in line for line in server_log.splitlines())},
        "mix": {vendor: dict(Counter(webhook.language for webhook in webhooks if webhook.vendor == vendor))
                for vendor in VENDORS},
        "unanswerable": sum(not webhook.answerable for webhook in webhooks),
    }


def run(deliveries: int, clients: int, seed: int, timeout: float, server_log: Path) -> dict:
    """Build the deliveries, start the servers, create the connectors, send the burst, wait, measure; everything
    is stopped and removed on the way out."""
    webhooks = build_webhooks(deliveries, seed)
    requests = burst(webhooks, seed)
    server_log.parent.mkdir(parents=True, exist_ok=True)
    server_log.unlink(missing_ok=True)
    log("starting the API server and the local vendor API ...")
    with VendorApi() as vendor_api, throwaway_demo_server(DEMO_INDEX, {"KB_SECRETS_KEY": new_key()},
                                                          server_log) as (server, key):
        base_url = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as admin:
            connectors = create_connectors(admin, vendor_api.base_url)
            log(f"sending {len(requests)} requests ({len(webhooks)} deliveries) from {clients} clients ...")
            sent_at, started = datetime.now(UTC), time.perf_counter()
            acks = asyncio.run(send_all(base_url, connectors, requests, clients))
            burst_s = time.perf_counter() - started
            jobs = wait_until_processed(admin, connectors, Counter(webhook.vendor for webhook in webhooks), timeout)
        time.sleep(SETTLE_S)
        calls = list(vendor_api.requests)
    results = measure(webhooks, acks, burst_s, sent_at, jobs, calls, server_log.read_text(errors="replace"))
    return {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, "
            f"{platform.processor() or platform.machine()}", "seed": seed, "clients": clients, **results}


def passed(results: dict) -> bool:
    """Every delivery processed and written back exactly once, each retry acknowledged as such, no errors (the
    latency goal is reported, not judged here: it depends on the machine)."""
    write_backs, errors = results["write_backs"], results["errors"]
    return (results["processed"] == results["deliveries"] == write_backs["written_once"]
            and write_backs["duplicates"] == write_backs["unexpected"] == 0
            and results["ack"]["acknowledged_as_received_before"] == results["sent_twice"]
            and not any(errors.values()))


def print_results(results: dict) -> None:
    """The mix, then the figures against the issue's goals."""
    print_table(f"webhook bench — {results['date']}, {results['machine']}, demo KB, one API process, "
                f"{results['deliveries']} deliveries ({results['unanswerable']} unanswerable) + "
                f"{results['sent_twice']} sent twice, {results['clients']} clients: deliveries per vendor",
                ["vendor", *LANGUAGES], [[vendor, *(mix.get(language, 0) for language in LANGUAGES)]
                                         for vendor, mix in results["mix"].items()])
    ack, write_backs, errors = results["ack"], results["write_backs"], results["errors"]
    print_table("figures", ["measure", "value"], [
        ["burst sent, s", f"{results['burst_s']:.2f}"],
        ["acknowledgement p50 / p95 / p99 / max, ms",
         f"{ack['p50_ms']} / {ack['p95_ms']} / {ack['p99_ms']} / {ack['max_ms']}"],
        ["acknowledgement p99 under 1 s (goal)", "yes" if ack["p99_ms"] < ACK_GOAL_MS else "NO"],
        ["statuses", ", ".join(f"{status}: {n}" for status, n in sorted(ack["statuses"].items()))],
        ["acknowledged as received before (of sent twice)",
         f"{ack['acknowledged_as_received_before']} of {results['sent_twice']}"],
        ["queued more than once / never queued", f"{ack['queued_more_than_once']} / {ack['never_queued']}"],
        ["first delivery to last job processed, s", f"{results['processed_s']}"],
        ["processed (done or ignored)", f"{results['processed']} of {results['deliveries']}"],
        ["jobs per state", ", ".join(f"{state} {n}" for state, n in sorted(results["jobs"].items()))],
        ["written back exactly once", f"{write_backs['written_once']} of {results['deliveries']}"],
        ["duplicate / missing / unexpected write-backs",
         f"{write_backs['duplicates']} / {write_backs['missing']} / {write_backs['unexpected']}"],
        ["Chatwoot handoffs (conversation opened)", write_backs["handoffs"]],
        ["errors: not 2xx / set aside / server log", f"{errors['ack_not_2xx']} / {errors['set_aside']} / "
                                                     f"{errors['server_log']}"]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=200, help="distinct deliveries (about 10%% sent twice)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent connections sending them")
    parser.add_argument("--seed", type=int, default=SEED, help="the messages, the duplicates and the order")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for every job to be processed")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the figures are written")
    parser.add_argument("--server-log", type=Path, default=SERVER_LOG, help="where the API server's log goes")
    args = parser.parse_args(argv)
    results = run(args.deliveries, args.clients, args.seed, args.timeout, args.server_log)
    print_results(results)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten: {args.results}")
    return 0 if passed(results) else 1


if __name__ == "__main__":
    sys.exit(main())
