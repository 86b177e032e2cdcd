"""Replies that are true (issue 20), composed from the demo templates and articles: no situation the
customer does not have, each situation's own next step, native polish, and text / markdown / HTML."""

from __future__ import annotations

import itertools
import re

import pytest

from indexer.settings import DEMO_KB
from kb.compose import CHAT_BUDGET, ConcernReply, ReplyContext, compose_answer, key_step
from kb.formats import ReplyFormat, render
from kb.loader import load_articles
from kb.models import Channel, Language
from kb.references import Reference
from kb.templates import Situation, load_templates

DEMO = DEMO_KB
TEMPLATES = load_templates(DEMO)
ARTICLES = {article.id: article for article in load_articles(DEMO)}
MARKDOWN = re.compile(r"\*\*|__|`")
CJK_SPACE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff] [\u3040-\u30ff\u4e00-\u9fff]")


def reply(situation: Situation, language: Language, channel: Channel = Channel.EMAIL, article: str | None = None,
          words: str = "", seed: int = 0, **context) -> str:
    variant = ARTICLES[article].variant_for(language) if article else None
    return compose_answer([ConcernReply(variant, words)], channel, language, situation, TEMPLATES,
                          ReplyContext(**context), seed=seed).text


@pytest.mark.parametrize("language", list(Language))
def test_a_transfer_without_an_answer_names_the_team_and_when(language):
    text = reply(Situation.TRANSFER_TO_SPECIALIST, language, team="TEAM-X", timeframe="WHEN-Y")
    assert "TEAM-X" in text and "WHEN-Y" in text


@pytest.mark.parametrize("language, photo", [(Language.EN, "photo"), (Language.LT, "nuotrauk"), (Language.JA, "写真"),
                                             (Language.ZH, "照片")])
def test_a_defect_without_an_answer_offers_replacement_or_refund_and_asks_for_photos(language, photo):
    for seed in range(4):
        assert photo in reply(Situation.DEFECTIVE_PRODUCT, language, seed=seed).lower()


def test_a_feature_request_without_an_answer_says_it_is_not_offered_and_where_ideas_go():
    for seed in range(4):
        text = reply(Situation.FEATURE_REQUEST_REFUSED, Language.EN, seed=seed)
        assert re.search(r"(don't|isn't|not) (something we )?offer", text) and "feedback form" in text
        assert "soon" not in text


def test_an_angry_customer_hears_their_grievance_and_what_happens_next():
    variant = ARTICLES["refund-status"].variant_for(Language.EN)
    for channel in (Channel.CHAT, Channel.EMAIL):
        text = compose_answer([ConcernReply(variant, "Where is my refund?")], channel, Language.EN,
                              Situation.ANGRY_CUSTOMER, TEMPLATES, grievance="Nobody answers my emails!").text
        assert "“Nobody answers my emails!”" in text
        assert "within" in text.split("Nobody answers my emails!")[1]  # what happens next, by when
        solution = variant.summary if channel is Channel.CHAT else variant.body.split("\n")[0]
        assert solution.replace("**", "") in text.replace("**", "")  # and the answer itself


@pytest.mark.parametrize("name, greeting", [("Jonas", "Jonai,"), ("Aistė Petraitienė", "Aiste Petraitiene,"),
                                            ("Andrius", "Andriau,"), ("Marta", "Marta,")])
def test_lithuanian_greetings_address_the_name_in_the_vocative(name, greeting):
    for seed in range(4):
        assert reply(Situation.GENERAL, Language.LT, customer_name=name, seed=seed).split("\n")[0].endswith(
            greeting)


def test_a_name_the_vocative_rules_are_unsure_of_is_left_out_of_a_lithuanian_greeting():
    for seed in range(4):
        first_line = reply(Situation.GENERAL, Language.LT, customer_name="Thomas", seed=seed).split("\n")[0]
        assert "Thomas" not in first_line and first_line in TEMPLATES.frame.parts[Language.LT]["greeting_anonymous"]


@pytest.mark.parametrize("language", list(Language))
def test_without_an_agent_name_a_letter_is_signed_once_by_the_team(language):
    for seed in range(4):
        text = reply(Situation.GENERAL, language, article="invoice", seed=seed)
        default_agent = TEMPLATES.frame.defaults["agent_name"][language]
        assert default_agent not in text.split("\n") and "担当" not in text  # no stand-in for a person's name
        named = reply(Situation.GENERAL, language, article="invoice", seed=seed, agent_name="Rasa")
        assert named.count("Rasa") == 1


def test_an_email_does_not_repeat_the_summary_above_the_body():
    variant = ARTICLES["refund-status"].variant_for(Language.EN)
    text = reply(Situation.GENERAL, Language.EN, article="refund-status")
    assert variant.summary not in text and variant.body.split("\n")[0] in text


@pytest.mark.parametrize("language", list(Language))
def test_chat_replies_add_the_first_step_only_within_the_budget(language):
    lengths = []
    for article in ARTICLES:
        text = reply(Situation.GENERAL, language, Channel.CHAT, article)
        lengths.append(len(text) + len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]", text)))
        step = key_step(ARTICLES[article].variant_for(language).body)
        if lengths[-1] > CHAT_BUDGET and step:
            assert step not in text, article
    assert sorted(lengths)[len(lengths) // 2] <= CHAT_BUDGET


@pytest.mark.parametrize("language", list(Language))
def test_chat_and_email_never_send_a_customer_who_writes_to_us_to_contact_us(language):
    redirects = TEMPLATES.frame.redirects[language]
    for article, channel in itertools.product(ARTICLES, (Channel.CHAT, Channel.EMAIL)):
        if article == "contact-support":
            continue  # asked how to contact us, the answer is how
        text = reply(Situation.GENERAL, language, channel, article).lower()
        assert not [phrase for phrase in redirects if phrase.lower() in text], (article, channel)
    help_page = "\n".join(reply(Situation.GENERAL, language, Channel.HELP_PAGE, article) for article in ARTICLES)
    assert any(phrase.lower() in help_page.lower() for phrase in redirects)  # the help page keeps them


def test_a_reply_never_asks_again_for_the_order_number_given():
    text = compose_answer([ConcernReply(None, "")], Channel.EMAIL, Language.EN, Situation.DEFECTIVE_PRODUCT, TEMPLATES,
                          given=[Reference("order_number", "BC-123456")]).text
    assert "order number" not in text.lower()


@pytest.mark.parametrize("situation, language, channel", list(itertools.product(
    Situation, Language, (Channel.CHAT, Channel.EMAIL, Channel.HELP_PAGE))))
def test_every_template_renders_to_text_and_html_without_markdown_markers(situation, language, channel):
    for article in (None, "change-address", "invoice"):
        composed = compose_answer([ConcernReply(ARTICLES[article].variant_for(language) if article else None,
                                                "<script>alert(1)</script> **bold?**")],
                                  channel, language, situation, TEMPLATES, ReplyContext(customer_name="Jonas"))
        text = render(composed.text, ReplyFormat.TEXT)
        html = render(composed.text, ReplyFormat.HTML)
        assert not MARKDOWN.search(text) and not CJK_SPACE.search(text)
        assert not MARKDOWN.search(html) and "<script>" not in html
