"""``python -m evals.emails``: whole customer emails and tickets through the answer pipeline.

The messages are our own (``tests/data/emails/``), per language: a held-out set (16 each, never tuned
on), and the dev (5 each) and tune (15 each) sets that the message reading and concern rules were
tuned on, each written by other writers than the held-out set's. Every message
is labelled with the article of each concern and a one-line core question per concern; the core
lines, asked one by one, are the ceiling a whole message is measured against.

Per language and kind it reports:

* usable: every concern answered with a right article, and no answered concern with a wrong one;
* all concerns answered (of the messages with two or more);
* rejections (a message the service refuses, e.g. one without words of the customer's own) and
  language errors;
* the ceiling: the same for the core questions (each asked alone).

The pipeline runs in process over a throwaway copy of the demo tenant, with the real model and index,
answering as ``POST /v1/answer`` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

import yaml

from api.pipeline import Answer, Message
from evals.client import answerer
from evals.common import print_table
from indexer.settings import PROJECT_ROOT
from kb.language import UnsupportedLanguageError
from kb.models import Channel
from kb.reading import EmptyMessageError
from kb.text import UnencodableTextError

DATA = PROJECT_ROOT / "tests" / "data" / "emails"
RESULTS = PROJECT_ROOT / "build" / "eval" / "emails.json"
LANGUAGES = ("en", "lt", "ja", "zh")
KINDS = ("ordinary", "angry", "quoted", "two_questions", "long", "html", "forwarded")


def load(splits: str) -> list[dict]:
    """The labelled messages of comma-separated splits (``heldout``, ``dev``, ``tune``), every language."""
    messages = []
    for split in splits.split(","):
        for language in LANGUAGES:
            path = DATA / f"{split.strip()}-{language}.yaml"
            for message in yaml.safe_load(path.read_text(encoding="utf-8")):
                messages.append({**message, "language": language})
    return messages


def acceptable(expected: list) -> list[set[str]]:
    """Per concern, the article ids that answer it."""
    return [set(item) if isinstance(item, list) else {item} for item in expected]


def grade(answer: Answer, wanted: list[set[str]]) -> dict:
    """How one reply did against the labels.

    Args:
        answer: the pipeline's answer.
        wanted: per concern, the articles that answer it.

    Returns:
        usable, all_answered, the answered article ids, extra (answered articles no concern wants).
    """
    answered = [concern.article.id for concern in answer.concerns if concern.answered and concern.article]
    covered = [bool(ids & set(answered)) for ids in wanted]
    extra = [article for article in answered if not any(article in ids for ids in wanted)]
    return {"usable": all(covered) and not extra, "all_answered": all(covered), "answered": answered,
            "extra": extra, "open": sum(not concern.answered for concern in answer.concerns),
            "text_chars": len(answer.text)}


def run(answer, messages: list[dict], verbose: bool = False) -> list[dict]:
    """Ask every message whole, and every one of its core lines alone.

    Args:
        answer: the pipeline's answer to a message (:func:`evals.client.answerer`).
        messages: labelled messages.
        verbose: print each miss.

    Returns:
        One row per message.
    """
    rows = []
    for message in messages:
        wanted = acceptable(message["expected"])
        text = message.get("text") or message.get("html")
        row = {"id": message["id"], "language": message["language"], "kind": message["kind"],
               "concerns": len(wanted), "rejected": False, "chars": len(text)}
        try:
            reply = answer(Message(text.strip(), Channel(message.get("channel", "email")),
                                   subject=message.get("subject") or None, html="html" in message))
            row.update(grade(reply, wanted), reply_language=reply.language.value)
        except (EmptyMessageError, UnsupportedLanguageError, UnencodableTextError) as error:
            row.update(rejected=True, usable=False, all_answered=False, answered=[], extra=[], reply_language=None,
                       error=str(error))
        core = [answer(Message(line.strip(), Channel.CHAT)) for line in message["core"]]
        row["core_usable"] = all(reply.answered and reply.articles[0].id in ids for reply, ids in zip(core, wanted))
        rows.append(row)
        if verbose and not row["usable"]:
            print(f"  miss {row['id']:8} {row['kind']:13} wanted {[sorted(w) for w in wanted]} "
                  f"answered {row['answered']} extra {row['extra']} rejected {row['rejected']} "
                  f"{row.get('error') or ''}", file=sys.stderr)
    return rows


def summarise(rows: list[dict], key: str) -> list[list]:
    """One table row per value of ``key`` (language or kind) and one for all."""
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    groups["all"] = rows
    table = []
    for name, group in groups.items():
        several = [row for row in group if row["concerns"] > 1]
        usable = sum(row["usable"] for row in group)
        ceiling = sum(row["core_usable"] for row in group)
        table.append([name, len(group), usable, ceiling, f"{usable / max(ceiling, 1):.2f}",
                      f"{sum(row['all_answered'] for row in several)}/{len(several)}" if several else "-",
                      sum(row["rejected"] for row in group),
                      sum(not row["rejected"] and row["reply_language"] != row["language"] for row in group),
                      sum(len(row["extra"]) for row in group)])
    return table


HEADER = ["", "n", "usable", "ceiling", "usable/ceiling", "all concerns answered", "rejected", "wrong language",
          "wrong extra answers"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.emails", description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="heldout",
                        help="heldout (default; never tuned on), or dev and tune (what the reading rules were tuned "
                             "on), comma-separated")
    parser.add_argument("--verbose", action="store_true", help="print every message that was not usable")
    args = parser.parse_args(argv)
    messages = load(args.split)
    with answerer() as answer:
        rows = run(answer, messages, args.verbose)
    print(f"\nWhole emails and tickets ({args.split} set, {len(rows)} messages, {DATA}); usable = every concern "
          "answered with a right article and no wrong one; ceiling = the one-line core questions asked alone")
    print_table("By language", HEADER, summarise(rows, "language"))
    print_table("By kind", HEADER, summarise(rows, "kind"))
    longest = max(rows, key=lambda row: row["chars"])
    print(f"\nlongest message: {longest['chars']} characters ({longest['id']}), "
          f"{'rejected' if longest['rejected'] else 'answered'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.with_name(f"emails-{args.split.replace(',', '+')}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
