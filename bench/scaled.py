"""A large knowledge base made from a small one, for load and speed benchmarks.

Method (deterministic, no randomness): copy ``n`` (0, 1, 2, ...) of every base article
is about one product — the ``n``-th of :data:`PRODUCTS` (cycling) with model code
``BC-<n>`` — so every text differs:

* id ``<base id>-p<n>``; title ``<title> — <product> BC-<n>``;
* summary and body end with the sentence "This article applies to <product>, model BC-<n>"
  in the variant's language;
* the first three example questions, each followed by `` (<product> BC-<n>)``.

``python -m bench.scaled --count 10000 --out build/bench/kb`` writes ``articles.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from indexer.settings import DEMO_KB
from kb.loader import load_articles
from kb.models import Article, Language

PRODUCTS = {
    Language.EN: ["kettle", "blender", "toaster", "desk lamp", "backpack", "rain jacket", "running shoes",
                  "yoga mat", "coffee grinder", "headphones", "phone case", "water bottle", "bed sheet set",
                  "frying pan", "wall clock", "umbrella", "travel mug", "wool scarf", "bike light", "notebook"],
    Language.JA: ["電気ケトル", "ミキサー", "トースター", "デスクライト", "リュック", "レインジャケット", "ランニングシューズ",
                  "ヨガマット", "コーヒーミル", "ヘッドホン", "スマホケース", "水筒", "シーツセット",
                  "フライパン", "掛け時計", "傘", "タンブラー", "ウールマフラー", "自転車用ライト", "ノート"],
    Language.ZH: ["电热水壶", "搅拌机", "烤面包机", "台灯", "双肩包", "雨衣", "跑鞋",
                  "瑜伽垫", "咖啡研磨机", "耳机", "手机壳", "水杯", "床单套装",
                  "平底锅", "挂钟", "雨伞", "随行杯", "羊毛围巾", "自行车灯", "笔记本"],
    Language.LT: ["virdulys", "trintuvas", "skrudintuvas", "stalinė lempa", "kuprinė", "lietpaltis", "bėgimo bateliai",
                  "jogos kilimėlis", "kavamalė", "ausinės", "telefono dėklas", "gertuvė", "patalynės komplektas",
                  "keptuvė", "sieninis laikrodis", "skėtis", "kelioninis puodelis", "vilnonis šalikas",
                  "dviračio žibintas", "užrašų knygelė"],
}
APPLIES_TO = {
    Language.EN: "This article applies to the {product}, model {code}.",
    Language.JA: "この記事は{product}（型番 {code}）についての説明です。",
    Language.ZH: "本文适用于{product}（型号 {code}）。",
    Language.LT: "Šis straipsnis taikomas gaminiui „{product}“ (modelis {code}).",
}
QUESTIONS_PER_COPY = 3  # the least an article may have


def scaled_articles(base: list[Article], count: int) -> list[Article]:
    """``count`` articles: product copies of the base articles, in order (see the module docstring).

    Args:
        base: the articles to copy.
        count: how many to make.

    Returns:
        The articles.
    """
    articles = []
    copy = 0
    while len(articles) < count:
        for article in base[: count - len(articles)]:
            articles.append(_product_copy(article, copy))
        copy += 1
    return articles


def _product_copy(article: Article, copy: int) -> Article:
    code = f"BC-{copy:04d}"
    variants = {}
    for language, variant in article.variants.items():
        product = PRODUCTS[language][copy % len(PRODUCTS[language])]
        applies = APPLIES_TO[language].format(product=product, code=code)
        variants[language] = replace(
            variant, title=f"{variant.title} — {product} {code}", summary=f"{variant.summary} {applies}",
            body=f"{variant.body}\n\n{applies}",
            questions=tuple(f"{q} ({product} {code})" for q in variant.questions[:QUESTIONS_PER_COPY]))
    return replace(article, id=f"{article.id}-p{copy:04d}", variants=variants)


def write_jsonl(articles: list[Article], path: Path) -> None:
    """Write articles in the knowledge base's JSONL format (one article mapping per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    with open(staging, "w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(article.as_mapping(), ensure_ascii=False) + "\n")
    staging.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaled", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, default=DEMO_KB, help="knowledge base to copy")
    parser.add_argument("--count", type=int, default=10_000, help="articles to make")
    parser.add_argument("--out", type=Path, required=True, help="knowledge-base directory to write")
    args = parser.parse_args(argv)
    articles = scaled_articles(load_articles(args.base), args.count)
    write_jsonl(articles, args.out / "articles.jsonl")
    print(f"{len(articles)} articles × {len(articles[0].variants)} languages -> {args.out / 'articles.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
