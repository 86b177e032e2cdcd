"""Language detection on short support queries: our chain against plain langdetect.

Data: ``tests/data/language_queries.yaml`` (ja, zh, lt, en; the hard cases
included). Our chain's answer language includes the retrieval step that
settles Han-only text written alike in both languages, exactly as the API does.
"""

from __future__ import annotations

import statistics
import time

from evals.common import load_yaml, print_table
from kb.language import LITHUANIAN_LETTERS, detect_language, resolve_language
from kb.models import Language

LANGUAGES = ("ja", "zh", "lt", "en")


def plain_langdetect(text: str) -> str:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        code = detect(text)
    except LangDetectException:
        return "unknown"
    return "zh" if code.startswith("zh") else code


def langdetect_en_lt(text: str) -> str:
    """Seeded langdetect with its answer limited to en/lt (the alternative to lingua we measured)."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        scores = {guess.lang: guess.prob for guess in detect_langs(text)}
    except LangDetectException:
        return "en"
    return "lt" if scores.get("lt", 0.0) > scores.get("en", 0.0) else "en"


def our_language(text: str, index) -> Language:
    detection = detect_language(text)
    if detection.ambiguous:
        return resolve_language(detection, [hit.language for hit in index.search(text, limit=3)])
    return detection.language


def run(index) -> dict:
    """Print the accuracy table and return the figures."""
    data = load_yaml("language_queries.yaml")
    rows, totals = [], {"ours": 0, "langdetect": 0, "n": 0}
    for lang in LANGUAGES:
        queries = data[lang]
        ours = sum(our_language(q, index).value == lang for q in queries)
        plain = sum(plain_langdetect(q) == lang for q in queries)
        ambiguous = sum(detect_language(q).ambiguous for q in queries)
        rows.append([lang, len(queries), ours / len(queries), plain / len(queries), ambiguous])
        totals["ours"] += ours
        totals["langdetect"] += plain
        totals["n"] += len(queries)
    rows.append(["all", totals["n"], totals["ours"] / totals["n"], totals["langdetect"] / totals["n"], ""])

    latin_rows = []
    for lang in ("lt", "en"):
        # the statistical step only sees Latin text without Lithuanian-only letters
        queries = [q for q in data[lang] if not LITHUANIAN_LETTERS.search(q)]
        lingua = sum(detect_language(q).language.value == lang for q in queries)
        restricted = sum(langdetect_en_lt(q) == lang for q in queries)
        latin_rows.append([lang, len(queries), lingua / len(queries), restricted / len(queries)])

    every = [q for lang in LANGUAGES for q in data[lang]]
    deterministic = all(detect_language(q) == detect_language(q) for q in every)
    detect_language("warm up")
    timings = []
    for q in every:
        started = time.perf_counter()
        detect_language(q)
        timings.append((time.perf_counter() - started) * 1e6)
    print_table("Language detection (tests/data/language_queries.yaml)",
                ["lang", "n", "ours", "langdetect", "han-ambiguous"], rows)
    print_table("Latin text without Lithuanian letters: the statistical step alone",
                ["lang", "n", "lingua en/lt", "langdetect en/lt"], latin_rows)
    print(f"deterministic: {deterministic}; detection latency median {statistics.median(timings):.0f} µs, "
          f"p95 {sorted(timings)[int(0.95 * len(timings))]:.0f} µs per call (retrieval step not included)")
    return {"accuracy": {r[0]: r[2] for r in rows}, "langdetect": {r[0]: r[3] for r in rows},
            "deterministic": deterministic, "latency_us_median": statistics.median(timings)}
