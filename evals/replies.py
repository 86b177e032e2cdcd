"""``python -m evals.replies``: are our replies true, and are right answers given?

The messages are our own (``tests/data/replies/``), per language: a graded set (the judge; nothing is
fitted on it) and a fit set (what the situation bar and the answer threshold were read from), each
message labelled with the situations a support lead would accept and the articles that answer it
(none for unanswerable messages and farewells). Lithuanian messages typed without diacritics are marked.

It reports per language:

* false premises: a specific situation asserted (not general, not unknown_answer) that the labels do
  not have (goal at most 2 %);
* right answers given: of the messages an article answers, those answered with a right one and no
  wrong one (goal at least 0.85);
* unanswerable left unanswered: of the messages no article answers (farewells too), those answered
  with no article (goal at least 0.90);
* the median length of chat replies;
* Lithuanian: the first article right (R@1) for each message as written and with its diacritics
  removed.

``--split fit --sweep`` also prints the rates the fit set would have at other situation bars and answer
thresholds (the service is asked with every situation asserted, and the bars applied afterwards).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict

import yaml

from api.pipeline import Message
from evals.client import answerer
from evals.common import print_table
from indexer.lexical import fold
from indexer.settings import PROJECT_ROOT
from kb.models import Channel

DATA = PROJECT_ROOT / "tests" / "data" / "replies"
RESULTS = PROJECT_ROOT / "build" / "eval"
LANGUAGES = ("en", "lt", "ja", "zh")
# Situations that assert nothing about the customer.
NEUTRAL = {"general", "unknown_answer"}


def load(split: str) -> list[dict]:
    """The labelled messages of a split (``graded`` or ``fit``), every language."""
    messages = []
    for language in LANGUAGES:
        path = DATA / f"{split}-{language}.yaml"
        messages += [{**message, "language": language} for message in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return messages


def ask(answer, message: dict, text: str | None = None) -> dict:
    """The service's reply to a message (or to ``text`` in its place), as the fields graded.

    Args:
        answer: the pipeline's answer to a message (:func:`evals.client.answerer`).
        message: a labelled message.
        text: asked instead of the message's text.
    """
    reply = answer(Message((text or message["text"]).strip(), Channel(message["channel"])))
    return {"situation": reply.situation.value, "situation_confidence": reply.situation_confidence,
            "concerns": [(concern.article.id if concern.article else None, concern.confidence, concern.answered)
                         for concern in reply.concerns],
            "first": reply.articles[0].id if reply.articles else None, "chars": len(reply.text), "text": reply.text}


def grade(message: dict, reply: dict, situation_bar: float = 0.0, threshold: float | None = None) -> dict:
    """How one reply did against its labels (``situation_bar``, ``threshold``: applied afterwards when given)."""
    asserted = reply["situation"] if reply["situation_confidence"] >= situation_bar else "general"
    answered = [article for article, confidence, answered in reply["concerns"]
                if (answered if threshold is None else confidence >= threshold)]
    wanted = set(message["articles"])
    return {"false_premise": asserted not in NEUTRAL and asserted not in message["situations"],
            "answerable": bool(wanted),
            "right": bool(wanted) and bool(answered) and set(answered) <= wanted,
            "unanswered": not answered}


def summarise(messages: list[dict], replies: list[dict], **bars) -> list[list]:
    """One table row per language and one for all."""
    groups = defaultdict(list)
    for message, reply in zip(messages, replies):
        row = {**grade(message, reply, **bars), "chat": reply["chars"] if message["channel"] == "chat" else None}
        groups[message["language"]].append(row)
        groups["all"].append(row)
    table = []
    for name, rows in groups.items():
        answerable = [row for row in rows if row["answerable"]]
        unanswerable = [row for row in rows if not row["answerable"]]
        chats = [row["chat"] for row in rows if row["chat"] is not None]
        table.append([name, len(rows), f"{sum(r['false_premise'] for r in rows)} ({_share(rows, 'false_premise')})",
                      f"{sum(r['right'] for r in answerable)}/{len(answerable)} ({_share(answerable, 'right')})",
                      f"{sum(r['unanswered'] for r in unanswerable)}/{len(unanswerable)} "
                      f"({_share(unanswerable, 'unanswered')})",
                      int(statistics.median(chats)) if chats else "-"])
    return table


def _overall(messages: list[dict], replies: list[dict], **bars) -> list[list]:
    return [row for row in summarise(messages, replies, **bars) if row[0] == "all"]


def _share(rows: list[dict], key: str) -> str:
    return f"{sum(row[key] for row in rows) / len(rows):.2f}" if rows else "-"


def diacritics(answer, messages: list[dict]) -> list[list]:
    """R@1 of the Lithuanian messages that an article answers, as written and without diacritics."""
    rows = []
    for kind, selected in (("written with diacritics", [m for m in messages if m.get("diacritics", True)]),
                           ("typed without diacritics", [m for m in messages if not m.get("diacritics", True)])):
        selected = [m for m in selected if m["language"] == "lt" and m["articles"]]
        written = sum(ask(answer, m)["first"] in m["articles"] for m in selected)
        folded = sum(ask(answer, m, fold(m["text"]))["first"] in m["articles"] for m in selected)
        rows.append([kind, len(selected), f"{written / max(len(selected), 1):.3f}",
                     f"{folded / max(len(selected), 1):.3f}"])
    return rows


HEADER = ["", "n", "false premises", "right answers given", "unanswerable left unanswered", "chat median chars"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.replies", description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="graded", help="graded (default; the judge) or fit")
    parser.add_argument("--sweep", action="store_true", help="also print the rates at other bars (for fitting)")
    parser.add_argument("--verbose", action="store_true", help="print every false premise and wrong answer")
    args = parser.parse_args(argv)
    messages = load(args.split)
    if args.sweep:
        import indexer.situations

        indexer.situations.MIN_CONFIDENCE = 0.0  # every situation asserted; the bars are applied afterwards
    with answerer() as answer:
        replies = [ask(answer, message) for message in messages]
        accents = diacritics(answer, messages)
    print(f"\nReplies that are true ({args.split} set, {len(messages)} messages, {DATA})")
    print_table("By language", HEADER, summarise(messages, replies))
    print_table("Lithuanian: first article right (R@1)", ["messages", "n", "as written", "diacritics removed"],
                accents)
    if args.sweep:
        for bar in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            print_table(f"situation bar {bar}", HEADER, _overall(messages, replies, situation_bar=bar))
        for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
            print_table(f"answer threshold {threshold}", HEADER, _overall(messages, replies, threshold=threshold))
    if args.verbose:
        for message, reply in zip(messages, replies):
            graded = grade(message, reply)
            if graded["false_premise"] or (graded["answerable"] and not graded["right"]) or (
                    not graded["answerable"] and not graded["unanswered"]):
                print(f"  {message['id']:8} {message['channel']:9} wanted {message['situations']} {message['articles']}"
                      f" got {reply['situation']} {reply['situation_confidence']:.2f} {reply['concerns']}",
                      file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"replies-{args.split}.json").write_text(json.dumps(
        [{"id": m["id"], **r} for m, r in zip(messages, replies)], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
