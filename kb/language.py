"""Which language is a customer's text in? Script rules first, a restricted detector after.

The chain: kana -> ``ja``; Han characters -> ``zh`` (flagged ambiguous, since
kanji-only Japanese exists); Lithuanian letters -> ``lt``; other Latin text ->
``langdetect`` (seeded, so deterministic) restricted to ``en``/``lt``.
Hangul and other unsupported scripts fall back to ``en`` and say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.models import Language

KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
LITHUANIAN_LETTERS = re.compile(r"[ąčęėįšųūžĄČĘĖĮŠŲŪŽ]")
LATIN_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Detection:
    """The detected language and how it was decided."""

    language: Language
    method: str          # "kana", "han", "lithuanian-letters", "detector", "fallback"
    ambiguous: bool = False
    supported: bool = True


def detect_language(text: str) -> Detection:
    """Detect the language of a short support query.

    Args:
        text: the customer's text.

    Returns:
        A deterministic :class:`Detection`.
    """
    if KANA.search(text):
        return Detection(Language.JA, "kana")
    if HAN.search(text):
        return Detection(Language.ZH, "han", ambiguous=True)
    if HANGUL.search(text):
        return Detection(Language.EN, "fallback", supported=False)
    if LITHUANIAN_LETTERS.search(text):
        return Detection(Language.LT, "lithuanian-letters")
    if LATIN_LETTER.search(text):
        return Detection(_latin_language(text), "detector")
    return Detection(Language.EN, "fallback")


def _latin_language(text: str) -> Language:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        scores = {guess.lang: guess.prob for guess in detect_langs(text)}
    except LangDetectException:
        return Language.EN
    return Language.LT if scores.get("lt", 0.0) > scores.get("en", 0.0) else Language.EN
