"""The webhook benchmark's deliveries, and a small run of it end to end: a real server, the four vendors' signed
deliveries, a local vendor API. (No timing is asserted: the figures belong to `make bench`.)"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from api.connectors.vendors import create_vendor
from bench.webhooks import LANGUAGES, SECRET, VENDORS, build_webhooks, burst, main


def test_the_deliveries_are_distinct_signed_their_vendors_way_and_mixed():
    webhooks = build_webhooks(64)
    assert len({webhook.text for webhook in webhooks}) == len({webhook.number for webhook in webhooks}) == 64
    assert Counter((webhook.vendor, webhook.language) for webhook in webhooks) == {
        (vendor, language): 4 for vendor in VENDORS for language in LANGUAGES}
    assert {webhook.vendor for webhook in webhooks if not webhook.answerable} == set(VENDORS)
    for webhook in webhooks:
        vendor = create_vendor(webhook.vendor)
        assert vendor.verify(webhook.headers, webhook.body, SECRET), webhook.vendor
        assert not vendor.verify(webhook.headers, webhook.body, "another-secret"), webhook.vendor
        assert vendor.read(webhook.headers, json.loads(webhook.body)).text == webhook.text
    requests = burst(webhooks)
    assert Counter(Counter(webhook.number for webhook in requests).values()) == {1: 58, 2: 6}  # one in ten sent twice
    assert requests[:64] != webhooks  # shuffled: a retry may even come first
    assert build_webhooks(64, seed=7) != webhooks
    with pytest.raises(ValueError, match="one per vendor"):
        build_webhooks(len(VENDORS) - 1)


def test_a_small_burst_is_written_back_once_per_delivery_and_retries_acknowledged_as_such(tmp_path, capsys):
    results_path = tmp_path / "webhooks.json"
    assert main(["--deliveries", "20", "--clients", "4", "--timeout", "120", "--results", str(results_path),
                 "--server-log", str(tmp_path / "server.log")]) == 0
    results = json.loads(results_path.read_text(encoding="utf-8"))
    assert (results["deliveries"], results["requests"], results["sent_twice"]) == (20, 22, 2)
    assert results["ack"]["statuses"] == {"202": 20, "200": 2}
    assert results["ack"]["acknowledged_as_received_before"] == 2
    assert results["ack"]["queued_more_than_once"] == results["ack"]["never_queued"] == 0
    assert results["processed"] == 20 and results["jobs"] == {"done": 20}
    assert results["write_backs"] == {"written_once": 20, "missing": 0, "duplicates": 0, "unexpected": 0,
                                      "handoffs": 1}  # Chatwoot's one question no article answers
    assert results["errors"] == {"ack_not_2xx": 0, "set_aside": 0, "server_log": 0}
    assert results["ack"]["max_ms"] > 0 and results["processed_s"] > 0
    table = capsys.readouterr().out
    assert "20 of 20" in table and "2 of 2" in table and str(results_path) in table
