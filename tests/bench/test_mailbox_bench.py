"""The mailbox benchmark's mail, and a small run of it end to end on real Dovecot and SMTP servers with a real
worker process. (No timing is asserted: the figures belong to `make bench`.)"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from api.mailbox.guards import automatic_reason
from api.mailbox.incoming import read_mail
from bench.mailbox import KINDS, SUPPORT, build_mails, kind_counts, main
from tests.mailservers import require_dovecot


def test_the_mail_is_distinct_readable_and_mixed_in_four_languages_charsets_and_html():
    mails = build_mails(60)
    read = [read_mail(mail.raw) for mail in mails]
    assert len({mail.body for mail in read}) == 60 and len({mail.message_id for mail in read}) == 60
    assert Counter(mail.kind for mail in mails) == kind_counts(60) and set(kind_counts(60)) == set(KINDS)
    assert set(Counter(mail.language for mail in mails).values()) == {15}
    assert {mail.charset for mail in mails} == {"utf-8", "iso-2022-jp", "gb2312", "windows-1257"}
    assert any(mail.html for mail in read)
    for made, mail in zip(mails, read, strict=True):  # the skipped kinds are skipped by the guards, the rest not
        assert mail.html == made.html_only
        answerable = automatic_reason(mail, {SUPPORT}) is None
        assert answerable == (made.kind in ("question", "two questions", "unanswerable")), made.kind
    assert build_mails(60) != build_mails(60, seed=7)
    with pytest.raises(ValueError, match="one of each kind"):
        build_mails(len(KINDS) - 1)


def test_a_small_run_brings_every_message_to_a_final_state_without_duplicates(tmp_path, capsys):
    require_dovecot()
    results_path = tmp_path / "mailbox.json"
    assert main(["--messages", "12", "--timeout", "300", "--results", str(results_path),
                 "--worker-log", str(tmp_path / "worker.log")]) == 0
    results = json.loads(results_path.read_text(encoding="utf-8"))
    assert results["messages"] == results["finished"] == 12
    assert results["duplicates"] == {"replies": 0, "drafts": 0} and results["replies_without_a_sent_record"] == 0
    outcomes = results["outcomes"]
    assert outcomes["sent"] > 0 and outcomes["drafted"] > 0 and outcomes["skipped"] > 0
    assert sum(outcomes.values()) == 12
    assert all(results["by_kind"][kind] == {"skipped": 1} for kind in ("auto-reply", "mailing list", "bounce"))
    assert results["delivery_to_reply"]["p50_s"] > 0 and results["per_minute"] > 0
    table = capsys.readouterr().out
    assert "12 of 12" in table and "messages per minute" in table and str(results_path) in table
