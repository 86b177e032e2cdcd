"""The tone guard: phrases our answers must never contain, per language.

From the practices in the seed articles: no flat refusals or "I don't know",
no cold transfers ("please hold while I transfer you"), no blaming the
customer, no promises of the impossible. Matching is case-insensitive and
ignores runs of white space.
"""

from __future__ import annotations

import re

from kb.models import Language

FORBIDDEN_PHRASES: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        "i don't know", "i do not know", "no idea", "we can't help", "we cannot help", "that's impossible",
        "that is impossible", "not our problem", "not my problem", "not our fault", "you should have",
        "as we already told you", "as i already said", "calm down", "please hold while i transfer you",
        "i'll transfer you now", "read the faq", "nothing we can do", "that's our policy, sorry",
        "guaranteed today", "100% guaranteed",
    ),
    Language.JA: (
        "わかりません", "分かりません", "知りません", "存じません", "対応できません", "無理です", "不可能です",
        "お客様の責任", "お客様のせい", "先ほども申し上げた通り", "前にも言いました", "落ち着いてください",
        "そのままお待ちください。転送します", "当社の問題ではありません", "どうしようもありません",
    ),
    Language.ZH: (
        "我不知道", "我也不清楚", "我们也不清楚", "没办法", "帮不了您", "这不可能", "不关我们的事", "不是我们的问题", "是您的问题",
        "您应该早点", "我已经说过了", "之前已经告诉过您", "冷静一点", "请稍等，我帮您转接", "这是规定，没办法",
    ),
    Language.LT: (
        "nežinau", "nezinau", "negalime padėti", "negalime jums padėti", "tai neįmanoma", "ne mūsų problema",
        "ne mūsų kaltė", "jūs turėjote", "kaip jau sakėme", "kaip jau minėjau", "nusiraminkite",
        "palaukite, sujungsiu", "nieko negalime padaryti",
    ),
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def find_forbidden_phrase(text: str, language: Language) -> str | None:
    """The first forbidden phrase of ``language`` (or English, which may appear anywhere) in ``text``.

    Args:
        text: reply text or a template part.
        language: the text's language.

    Returns:
        The phrase found, or None when the text passes.
    """
    squashed = _squash(text)
    languages = {language, Language.EN}
    for candidate in languages:
        for phrase in FORBIDDEN_PHRASES[candidate]:
            if phrase in squashed:
                return phrase
    return None
