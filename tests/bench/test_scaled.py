"""The scaled benchmark knowledge base and the JSONL knowledge-base format."""

from __future__ import annotations

import json

import pytest

from bench.scaled import main, scaled_articles, write_jsonl
from kb.loader import KBFormatError, load_articles


def test_scaled_articles_are_deterministic_distinct_and_load_back(demo_articles, tmp_path):
    base = sorted(demo_articles.values(), key=lambda a: a.id)
    articles = scaled_articles(base, 60)
    assert articles == scaled_articles(base, 60)
    assert len(articles) == 60 and len({a.id for a in articles}) == 60
    texts = [text for a in articles for v in a.variants.values() for text in (v.title, v.summary, v.body, *v.questions)]
    assert len(texts) == len(set(texts))
    assert all(set(a.variants) == set(base[0].variants) for a in articles)
    assert articles[25].id == f"{base[0].id}-p0001" and "BC-0001" in articles[25].variants[next(iter(base[0].variants))].title
    write_jsonl(articles, tmp_path / "kb" / "articles.jsonl")
    assert load_articles(tmp_path / "kb") == sorted(articles, key=lambda a: a.id)


def test_the_command_scales_the_demo_kb_by_default(demo_articles, tmp_path, capsys):
    assert main(["--count", "30", "--out", str(tmp_path / "scaled")]) == 0
    articles = load_articles(tmp_path / "scaled")
    assert len(articles) == 30 and {a.id.rsplit("-p", 1)[0] for a in articles} == set(demo_articles)
    assert "30 articles" in capsys.readouterr().out


def test_a_bad_jsonl_line_is_named(demo_articles, tmp_path):
    good = json.dumps(demo_articles["invoice"].as_mapping(), ensure_ascii=False)
    bad = dict(demo_articles["gift-card"].as_mapping(), category="")
    (tmp_path / "articles.jsonl").write_text(f"{good}\n\n{json.dumps(bad)}\n", encoding="utf-8")
    with pytest.raises(KBFormatError, match=r"articles\.jsonl:3.*category"):
        load_articles(tmp_path)
    (tmp_path / "articles.jsonl").write_text(f"{good}\n{{not json\n", encoding="utf-8")
    with pytest.raises(KBFormatError, match=r"articles\.jsonl:2.*not valid JSON"):
        load_articles(tmp_path)


def test_an_id_in_both_yaml_and_jsonl_is_a_duplicate(demo_articles, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "invoice.yaml").write_text(
        json.dumps(demo_articles["invoice"].as_mapping(), ensure_ascii=False), encoding="utf-8")
    (tmp_path / "articles.jsonl").write_text(
        json.dumps(demo_articles["invoice"].as_mapping(), ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(KBFormatError, match="duplicate id 'invoice'"):
        load_articles(tmp_path)
