"""Coverage gaps: a tenant's unanswered and low-confidence questions clustered by meaning across languages,
on a seeded answer log with four topics the knowledge base does not cover, each asked in several languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from api.analytics import normalised
from api.gaps import LOW_CONFIDENCE_MARGIN
from kb.stores import AnswerRecord, Feedback
from tests.helpers import bearer, new_key, tenant_with_articles

TENANT = "gaps"
# within the query-text retention (30 days), before any other test's answer
SINCE = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=25)
UNTIL = SINCE + timedelta(days=20)
PERIOD = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
# (text, language, times asked); every topic asked in the four languages
TOPICS = {
    "gift-wrap": [("Can you gift wrap my order?", "en", 3), ("Do you offer gift wrapping?", "en", 1),
                  ("Ar galite supakuoti dovanai?", "lt", 2), ("Ar yra dovanų pakavimo paslauga?", "lt", 1),
                  ("ギフト包装はできますか？", "ja", 2), ("プレゼント用にラッピングしてもらえますか", "ja", 1),
                  ("可以提供礼品包装吗？", "zh", 1), ("能帮我把商品包成礼物吗", "zh", 1)],
    "kaunas-hours": [("What are the opening hours of your Kaunas store?", "en", 2),
                     ("When is the shop in Kaunas open?", "en", 1),
                     ("Kada dirba jūsų parduotuvė Kaune?", "lt", 3), ("Kauno parduotuvės darbo laikas", "lt", 1),
                     ("カウナスの店舗の営業時間は？", "ja", 1), ("カウナス店は何時まで開いていますか", "ja", 1),
                     ("考纳斯门店的营业时间是几点？", "zh", 1)],
    "loyalty": [("Do you have a loyalty programme?", "en", 1), ("How do I collect loyalty points?", "en", 1),
                ("Ar turite lojalumo programą?", "lt", 1), ("Kaip kaupti lojalumo taškus?", "lt", 1),
                ("ポイントカードはありますか？", "ja", 1), ("会員ポイントはどうやって貯めますか", "ja", 1),
                ("你们有会员积分计划吗？", "zh", 1), ("怎么累积会员积分", "zh", 1)],
    "repair": [("Can you repair my broken blender?", "en", 1), ("Do you fix products after they break?", "en", 1),
               ("Ar taisote sugedusius prietaisus?", "lt", 1), ("Kur sutaisyti sugedusį trintuvą?", "lt", 1),
               ("壊れたミキサーを修理してもらえますか？", "ja", 1), ("故障した製品の修理を受け付けていますか", "ja", 1),
               ("坏了的搅拌机可以修吗？", "zh", 1)],
}
REPAIR_CHANNEL = "email"  # the other topics were asked in chat
ANSWERED = [("How do I get an invoice for my order?", "en"), ("Kaip grąžinti prekę?", "lt"),
            ("注文をキャンセルしたい", "ja"), ("如何重置密码？", "zh")]


def expected(topic: str, language: str | None = None) -> int:
    return sum(times for _, lang, times in TOPICS[topic] if language in (None, lang))


@pytest.fixture(scope="module")
def admin(services, demo_articles):
    """The tenant's admin key, once its answer log holds the topics (every weak kind) and answered noise.

    The kaunas-hours topic is asked in the second half of the period only; gift wrapping was once answered
    with a low confidence, once answered and marked not helpful; the rest were not answered."""
    tenant_with_articles(services, TENANT, [demo_articles[article_id]
                                            for article_id in ("invoice", "return-item", "warranty", "cancel-order")])
    records, moment = [], SINCE
    for topic, questions in TOPICS.items():
        for text, language, times in questions:
            for _ in range(times):
                moment += timedelta(minutes=7)
                when = moment + (timedelta(days=15) if topic == "kaunas-hours" else timedelta())
                records.append(AnswerRecord(f"gap-{len(records)}", TENANT, when,
                                            REPAIR_CHANNEL if topic == "repair" else "chat", language, False, None,
                                            0.05, text))
    records[0] = AnswerRecord(**{**records[0].__dict__, "answered": True, "article_id": "invoice", "confidence": 0.4})
    records[1] = AnswerRecord(**{**records[1].__dict__, "answered": True, "article_id": "invoice", "confidence": 0.9})
    for number, (text, language) in enumerate(ANSWERED * 3):
        records.append(AnswerRecord(f"noise-{number}", TENANT, SINCE + timedelta(hours=number), "chat", language,
                                    True, "invoice", 0.95, text))
    services.store.answers.log(records)
    assert services.store.answers.put_feedback(TENANT, Feedback("gap-1", helpful=False))
    return bearer(new_key(services, "admin", tenant=TENANT))


def gaps(client, admin, **params):
    response = client.get("/v1/analytics/gaps", params={**PERIOD, **params}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def topic_of(text: str) -> str:
    return next(topic for topic, questions in TOPICS.items() if text in [question for question, _, _ in questions])


def test_each_topic_is_one_cluster_across_its_languages(client, admin):
    found = gaps(client, admin)
    total = sum(expected(topic) for topic in TOPICS)
    assert found["weak_questions"] == total  # the answered noise is not weak; low confidence and not helpful are
    clusters = {}
    for cluster in found["clusters"]:
        topics = {topic_of(question["text"]) for question in cluster["questions"]}
        assert len(topics) == 1, cluster["questions"]
        clusters.setdefault(topics.pop(), []).append(cluster)
    assert sorted(clusters) == sorted(TOPICS) and all(len(group) == 1 for group in clusters.values())
    for topic, [cluster] in clusters.items():
        assert cluster["size"] == expected(topic)
        assert cluster["languages"] == {language: expected(topic, language) for language in ("en", "ja", "lt", "zh")}
        assert 1 <= len(cluster["questions"]) <= 5
        for question in cluster["questions"]:
            [(language, times)] = [(lang, times) for text, lang, times in TOPICS[topic] if text == question["text"]]
            assert (question["language"], question["asked"]) == (language, times)
    purity = sum(cluster["size"] for [cluster] in clusters.values()) / total
    assert purity >= 0.9
    assert [cluster["size"] for cluster in found["clusters"]] == sorted(
        (cluster["size"] for cluster in found["clusters"]), reverse=True)


def test_trend_repeats_and_nearest_article(client, admin):
    clusters = {topic_of(cluster["questions"][0]["text"]): cluster for cluster in gaps(client, admin)["clusters"]}
    hours = clusters["kaunas-hours"]
    assert (hours["first_half"], hours["second_half"]) == (0, expected("kaunas-hours"))
    assert clusters["gift-wrap"]["texts"] == len(TOPICS["gift-wrap"])
    assert clusters["gift-wrap"]["size"] > clusters["gift-wrap"]["texts"]  # repeats are counted
    for cluster in clusters.values():
        article = cluster["nearest_article"]
        assert article["id"] in ("invoice", "return-item", "warranty", "cancel-order")
        assert -1 <= article["score"] <= 1 and article["title"]
    assert clusters["repair"]["nearest_article"]["id"] == "warranty"


def test_two_calls_give_the_same_clusters(client, admin):
    assert gaps(client, admin) == gaps(client, admin)


def test_filters_by_language_channel_period_and_limit(client, admin):
    lithuanian = gaps(client, admin, language="lt")
    assert lithuanian["weak_questions"] == sum(expected(topic, "lt") for topic in TOPICS)
    assert all(set(cluster["languages"]) == {"lt"} for cluster in lithuanian["clusters"])
    email = gaps(client, admin, channel="email")
    assert email["weak_questions"] == expected("repair")
    assert {topic_of(question["text"]) for cluster in email["clusters"] for question in cluster["questions"]} == {"repair"}
    first_half = gaps(client, admin, until=(SINCE + timedelta(days=10)).isoformat())
    assert "kaunas-hours" not in {topic_of(cluster["questions"][0]["text"]) for cluster in first_half["clusters"]}
    earlier = gaps(client, admin, since=(SINCE - timedelta(days=3)).isoformat(), until=SINCE.isoformat())
    assert earlier == {"weak_questions": 0, "clustered_texts": 0, "left_out_texts": 0, "clusters": []}
    assert len(gaps(client, admin, limit=2)["clusters"]) == 2


@pytest.mark.parametrize("params", [{"since": UNTIL.isoformat(), "until": SINCE.isoformat()}, {"limit": 0},
                                    {"limit": 501}, {"language": "xx"}, {"channel": "fax"}, {"since": "yesterday"}])
def test_bad_queries_are_422(client, admin, params):
    response = client.get("/v1/analytics/gaps", params={**PERIOD, **params}, headers=admin)
    assert response.status_code == 422


def test_needs_the_admin_scope_and_stays_within_the_tenant(client, services, admin):
    search = bearer(new_key(services, "search", "answer", tenant=TENANT))
    assert client.get("/v1/analytics/gaps", params=PERIOD, headers=search).status_code == 403
    demo_admin = bearer(new_key(services, "admin"))
    demo = client.get("/v1/analytics/gaps", params=PERIOD, headers=demo_admin).json()
    assert demo["weak_questions"] == 0


LOG_TENANT = "gaps-log"
OFF_TOPIC = "Do you sell spare laces for hiking boots?"  # nothing in the tenant's one article
ON_TOPIC = "How can I get an invoice for my purchase?"  # its one article: invoices


@pytest.fixture(scope="module")
def log_tenant(services, demo_articles):
    """A tenant with one article and a key to ask and read its analytics."""
    tenant_with_articles(services, LOG_TENANT, [demo_articles["invoice"]])
    return bearer(new_key(services, "answer", "admin", tenant=LOG_TENANT))


def stored(services, text: str) -> dict[str, bytes]:
    return services.store.question_vectors.get(LOG_TENANT, services.encoder.primary.vectors_fingerprint,
                                               [normalised(text)])


def test_uncertain_answers_are_embedded_in_the_background_as_they_are_logged(client, services, log_tenant):
    answers = {}
    for question in (OFF_TOPIC, ON_TOPIC):
        response = client.post("/v1/answer", json={"query": question, "channel": "chat"}, headers=log_tenant)
        assert response.status_code == 200, response.text
        answers[question] = response.json()
    assert answers[ON_TOPIC]["confidence"] >= services.settings.answer_threshold + LOW_CONFIDENCE_MARGIN
    services.answer_log.flush()
    services.gap_vectors.wait()
    [vector] = stored(services, OFF_TOPIC).values()
    np.testing.assert_allclose(np.frombuffer(vector, dtype=np.float32),
                               services.encoder.primary.encode_queries([OFF_TOPIC])[0], atol=1e-4)
    assert stored(services, ON_TOPIC) == {}  # a confident answer is not a gap


def test_a_gaps_request_reads_the_stored_vectors_instead_of_embedding(client, services, log_tenant, monkeypatch):
    def no_embedding(texts):
        raise AssertionError(f"embedded {texts} again")

    services.gap_vectors.offsets.offsets  # the languages' offsets, embedded once per process  # noqa: B018
    monkeypatch.setattr(services.gap_vectors, "encode", no_embedding)
    response = client.get("/v1/analytics/gaps", headers=log_tenant)
    assert response.status_code == 200, response.text
    assert [question["text"] for cluster in response.json()["clusters"]
            for question in cluster["questions"]] == [OFF_TOPIC]


def test_erasing_query_text_erases_the_vectors(client, services, log_tenant):
    assert stored(services, OFF_TOPIC)
    response = client.delete("/v1/analytics/queries", headers=log_tenant)
    assert response.status_code == 200 and response.json()["erased"] == 2
    assert stored(services, OFF_TOPIC) == {}
