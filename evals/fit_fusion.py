"""Fit how the second encoder's score joins e5's (``python -m evals.fit_fusion``): ``scale``, ``shift`` and
the weight of every (query language, entry language) pair of :data:`indexer.fusion.SECOND_FIELD`.

Data kept apart from the judges: the project's help-desk items (``models/training-data``, 1,100 titles and
customer questions, each in en/lt/ja/zh), without the items that share a text with a judge (as
``python -m training.adapt`` drops them). Per (query language, KB language), two tasks searched through
:meth:`indexer.search.ArticleIndex.search` as the service searches (hybrid, detected query language):

* ``question->title``: the customer's question against a KB of one-title articles (the service's
  question-like fields, ``query:`` prompt);
* ``title->question``: the title against a KB whose articles have the question as their body
  (a ``passage:``, as gnome-help's title -> article).

``scale`` and ``shift`` put the second encoder's cosines on e5's scale: the mean and spread of each field's
own top candidates (what competes for the first place) matched over the pairs it reads. A weight is the
grid value (0, 0.1 … 1) with the best R@1 on a curve smoothed over neighbouring values (ties: the smaller
weight); Lithuanian pairs stay 0 (USE-m does not read Lithuanian; their curves are printed to show it).
A KB with all four languages per article then checks that e5-only (Lithuanian) and fused entries compete
fairly. NTREX/Tatoeba are not used: the adapted model's training data, and sentence translation is not the
service's task; the demo KB is too small (and its paraphrases are judges).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date

import numpy as np

from evals.benchmark import BENCHMARK_DIR, CACHE_DIR, articles_index, remember_lexical_scores
from evals.cache import EmbeddingCache
from evals.common import print_table
from indexer.encoders import DEFAULT_ENCODER, create_encoder
from indexer.fusion import FieldFusion, Fusion
from indexer.search import ArticleIndex
from indexer.settings import MODEL_FOLDERS, model_dir
from kb.language import detect_language
from kb.models import Article, ArticleVariant, Language
from training.adapt import HELPDESK_DIR, helpdesk_items, judge_key, judge_texts

LANGUAGES = ("en", "ja", "zh", "lt")
SECOND_READS = ("en", "ja", "zh")  # USE-m's languages among ours: not Lithuanian
GRID = tuple(round(0.1 * step, 1) for step in range(11))
TOP_CANDIDATES = 10  # per query and field, the scores whose mean and spread are matched
TASKS = ("question->title", "title->question")


@dataclass
class Task:
    """One task of one (query language, KB language) pair, its neighbours searched once.

    Args:
        kind: one of :data:`TASKS`.
        query_lang: the queries' language.
        kb_lang: the KB's language (``mixed``: all four per article).
        index: the KB.
        queries: the query texts.
        gold: each query's article id.
        languages: each query's detected language (as the service detects it).
        neighbours: :meth:`ArticleIndex.nearest` of the queries: (n, m, 2) scores, (n, m) ids.
    """

    kind: str
    query_lang: str
    kb_lang: str
    index: ArticleIndex
    queries: list[str]
    gold: list[str]
    languages: list[Language | None]
    neighbours: tuple[np.ndarray, np.ndarray]

    def r1(self, fields: FieldFusion) -> float:
        """Hybrid R@1 (the service's ranking) with ``fields`` weighing the two encoders."""
        remember_lexical_scores(self.index)
        self.index.fusion = Fusion(fields=fields)
        scores, ids = self.neighbours
        right = sum(self.index.search(query, 1, language=language, neighbours=(scores[i], ids[i]))[0].article.id == gold
                    for i, (query, gold, language) in enumerate(zip(self.queries, self.gold, self.languages)))
        return right / len(self.queries)


def fitting_items() -> list[dict]:
    """The help-desk items that share no text with a judge (compared as ``training.adapt`` compares)."""
    judges = judge_texts(BENCHMARK_DIR)
    return [item for item in helpdesk_items(HELPDESK_DIR)
            if not any(judge_key(text) in judges for variant in item.values() for text in variant.values())]


def _article(number: int, variants: dict[str, tuple[str, str]]) -> Article:
    return Article(id=f"helpdesk-{number}", category="helpdesk", tags=(), variants={
        Language(lang): ArticleVariant(Language(lang), title=title, summary="", body=body, questions=())
        for lang, (title, body) in variants.items()})


def build_tasks(items: list[dict], cache: EmbeddingCache, kb_languages=LANGUAGES, log=print) -> list[Task]:
    """Both tasks for every (query language, KB language), ``kb_languages`` may include ``mixed``."""
    tasks = []
    for kind in TASKS:
        asked, stored = kind.split("->")
        for kb_lang in kb_languages:
            kb = LANGUAGES if kb_lang == "mixed" else (kb_lang,)
            articles = [_article(n, {lang: (item[lang]["title"], "") if stored == "title" else
                                     ("", item[lang]["question"]) for lang in kb}) for n, item in enumerate(items)]
            index = articles_index(articles, cache)
            for query_lang in LANGUAGES:
                queries = [item[query_lang][asked] for item in items]
                neighbours = index.nearest(cache.encode_queries(queries))
                languages = [detect_language(query).language for query in queries]
                tasks.append(Task(kind, query_lang, kb_lang, index, queries, [a.id for a in articles], languages,
                                  neighbours))
            log(f"  {kind} in a {kb_lang} KB: {len(items)} articles, {len(LANGUAGES)} query languages")
    return tasks


def scale_and_shift(tasks: list[Task], top: int = TOP_CANDIDATES) -> tuple[float, float]:
    """The affine map putting the second field's top scores on the first's: means and spreads matched.

    Args:
        tasks: the single-language-KB tasks; only pairs the second encoder reads count.
        top: candidates per query and field.

    Returns:
        ``(scale, shift)``.
    """
    firsts, seconds = [], []
    for task in tasks:
        if task.query_lang not in SECOND_READS or task.kb_lang not in SECOND_READS:
            continue
        scores, ids = task.neighbours
        for row, row_ids in zip(scores, ids):
            row = row[row_ids >= 0]
            firsts.append(np.sort(row[:, 0])[-top:])
            seconds.append(np.sort(row[:, 1])[-top:])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    scale = float(first.std() / second.std())
    return scale, float(first.mean() - scale * second.mean())


def best_weight(curve: dict[float, float]) -> float:
    """The grid weight with the best R@1 after averaging each value with its neighbours; ties: the smaller.

    Args:
        curve: weight -> R@1, over consecutive grid values.
    """
    weights = sorted(curve)
    values = np.array([curve[w] for w in weights])
    smooth = [values[max(0, i - 1):i + 2].mean() for i in range(len(values))]
    return weights[int(np.argmax(smooth))]  # argmax keeps the first of equal values


def weight_curves(tasks: list[Task], scale: float, shift: float) -> dict[tuple[str, str], dict[float, float]]:
    """Per (query language, KB language) with tasks: weight -> R@1 over its tasks, the other pairs at 0."""
    pairs: dict[tuple[str, str], list[Task]] = {}
    for task in tasks:
        pairs.setdefault((task.query_lang, task.kb_lang), []).append(task)
    return {pair: {w: float(np.mean([t.r1(FieldFusion({pair: w}, scale, shift)) for t in members])) for w in GRID}
            for pair, members in pairs.items()}


def fit(tasks: list[Task]) -> tuple[FieldFusion, dict]:
    """The fitted fusion and its curves: scale and shift by :func:`scale_and_shift`, per pair the
    :func:`best_weight` (Lithuanian pairs 0, whatever their curve)."""
    scale, shift = scale_and_shift(tasks)
    curves = weight_curves(tasks, scale, shift)
    weights = {pair: best_weight(curve) for pair, curve in curves.items()
               if pair[0] in SECOND_READS and pair[1] in SECOND_READS}
    return FieldFusion({pair: w for pair, w in weights.items() if w > 0}, round(scale, 3), round(shift, 3)), curves


def literal(fields: FieldFusion, note: str) -> str:
    """``fields`` as the Python literal of :data:`indexer.fusion.SECOND_FIELD`."""
    pairs = ", ".join(f'("{q}", "{k}"): {w}' for (q, k), w in sorted(fields.weights.items()))
    return f"# {note}\nSECOND_FIELD = FieldFusion({{{pairs}}},\n                           scale={fields.scale}, shift={fields.shift})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fit_fusion", description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODEL_FOLDERS, default="base", help="e5, the first encoder (%(default)s)")
    args = parser.parse_args(argv)
    encoder = create_encoder(DEFAULT_ENCODER, model_dir(args.model), second="use-m")
    items = fitting_items()
    print(f"help-desk items: {len(items)} (without those sharing a text with a judge); model: {args.model}")
    cache = EmbeddingCache(CACHE_DIR, encoder)
    tasks = build_tasks(items, cache, (*LANGUAGES, "mixed"))
    single = [t for t in tasks if t.kb_lang != "mixed"]
    fields, curves = fit(single)
    print_table(f"Hybrid R@1 by weight (both tasks; scale {fields.scale}, shift {fields.shift})",
                ["query->KB", *map(str, GRID), "e5 alone", "chosen", "gain"],
                [[f"{q}->{k}", *(curve[w] for w in GRID), curve[0.0],
                  f"{fields.weights.get((q, k), 0.0)}", curve[fields.weights.get((q, k), 0.0)] - curve[0.0]]
                 for (q, k), curve in curves.items()])
    lithuanian = {pair: max(curve.values()) - curve[0.0] for pair, curve in curves.items() if "lt" in pair}
    print("Lithuanian pairs, best gain of any w > 0 over e5 alone (kept at 0): "
          + ", ".join(f"{q}->{k} {gain:+.3f}" for (q, k), gain in lithuanian.items()))
    unscaled = FieldFusion(fields.weights)
    rows = []
    for kind in TASKS:
        for query_lang in LANGUAGES:
            [task] = [t for t in tasks if (t.kind, t.query_lang, t.kb_lang) == (kind, query_lang, "mixed")]
            rows.append([kind, query_lang, task.r1(FieldFusion()), task.r1(unscaled), task.r1(fields)])
    print_table("A KB with all four languages per article (Lithuanian entries e5 only): hybrid R@1",
                ["task", "query", "e5 alone", "fitted weights, scale 1 shift 0", "fitted"], rows)
    print("\n" + literal(fields, f"Fitted by `python -m evals.fit_fusion` on the help-desk items "
                                  f"(models/training-data, {len(items)} items, model {args.model}), {date.today()}."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
