"""Surface cues of a customer's message: an upset customer's shouting, repeated punctuation and words of
frustration; words of thanks."""

from __future__ import annotations

import re

from kb.models import Language

FRUSTRATION_WORDS: dict[Language, tuple[str, ...]] = {
    Language.EN: ("ridiculous", "unacceptable", "worst", "useless", "angry", "furious", "scam", "joke",
                  "fed up", "disgusting", "terrible", "awful", "pathetic", "never again", "sick of", "wtf",
                  "incompetent", "complain"),
    Language.JA: ("最悪", "いい加減", "ふざけ", "腹が立", "ひどい", "酷い", "二度と", "怒", "詐欺", "ありえない",
                  "あり得ない", "責任者", "クレーム", "許せない", "不愉快"),
    Language.ZH: ("太过分", "投诉", "气死", "骗子", "垃圾", "什么破", "无语", "坑人", "恶心", "太差", "离谱",
                  "忍无可忍", "受够", "差评"),
    Language.LT: ("nepriimtina", "blogiausi", "pikt", "nusivyl", "juokas", "apgavik", "tyčioj", "tycioj",
                  "siaubing", "baisu", "gėda", "geda", "skųsiu", "skusiu", "nesąmonė", "nesamone", "kiek galima"),
}
THANKS_WORDS: dict[Language, tuple[str, ...]] = {
    Language.EN: ("thank", "thanks", "cheers", "appreciate"),
    Language.JA: ("ありがとう", "感謝", "助かりました"),
    Language.ZH: ("谢谢", "感谢", "多谢"),
    Language.LT: ("ačiū", "aciu", "dėkoju", "dekoju", "dėkui", "dekui", "dėkingas", "dėkinga", "dekingas", "dekinga"),
}
REPEATED_MARKS = re.compile(r"[!！?？]{2,}")
LATIN_WORD = re.compile(r"[A-Za-zĄČĘĖĮŠŲŪŽąčęėįšųūž]{3,}")


def anger_score(text: str) -> float:
    """How strongly the text signals anger, in [0, 1].

    Args:
        text: the customer's message.

    Returns:
        0 for none; each cue (shouting in capitals, repeated ! or ?, a word of
        frustration in any of our languages) adds a third, capped at 1.
    """
    lowered = text.lower()
    words = LATIN_WORD.findall(text)
    shouting = sum(w.isupper() for w in words) >= 2 or (len(words) >= 1 and all(w.isupper() for w in words)
                                                         and len("".join(words)) >= 6)
    repeated = bool(REPEATED_MARKS.search(text))
    frustrated = any(word in lowered for words_ in FRUSTRATION_WORDS.values() for word in words_)
    return min(1.0, (shouting + repeated + frustrated) / 3)


def thanks(text: str) -> bool:
    """Whether the text thanks us, in any of our languages."""
    lowered = text.lower()
    return any(word in lowered for words in THANKS_WORDS.values() for word in words)
