"""Which language is a customer's short text in? Script rules first, restricted detectors after.

The chain (deterministic: the same text always gets the same answer). A message mixing scripts
(an English mail naming a Chinese shop, a Japanese mail with English product names) is read in
the script that holds the larger share of its words; then:

1. kana (beyond a stray name in a long Han text) -> ``ja``;
2. Hangul (and no kana/Han) -> unsupported: :class:`UnsupportedLanguageError`,
   which the API turns into a 422 unless the caller names a language;
3. Han characters -> ``ja`` or ``zh`` by characters only one of the two writes
   (Japanese shinjitai such as 発/続/様, Simplified or Traditional Chinese forms
   such as 发/發, 这/這, and Chinese particles such as 吗/呢/么); Traditional
   Chinese counts as ``zh``. Without such a character the text is *ambiguous*
   (電話, 在庫, 返品 are written alike in both): pycld2's guess, or the
   Accept-Language tie-breaker, is only the lean, and retrieval decides the
   answer language from the best-matching article (see ``api/pipeline/answering.py``);
4. Lithuanian-only letters (ąčęėįšųūž) in a short text, or in a quarter of its words -> ``lt``
   (one name such as "Jonaitytė" in an English mail is not Lithuanian);
5. other Latin text -> ``lingua`` restricted to English and Lithuanian, which
   also recognises Lithuanian typed without diacritics;
6. nothing to go on (digits, emoji) -> Accept-Language, else ``en``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.models import Language

KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
LITHUANIAN_LETTERS = re.compile(r"[ąčęėįšųūžĄČĘĖĮŠŲŪŽ]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# Letters per word, to weigh scripts against each other: a Chinese or Japanese word is one or two characters.
LETTERS_PER_WORD = {"cjk": 1.5, "latin": 5.5}
# Lithuanian letters decide alone up to this many words; beyond, they must be in this share of the words.
SHORT_TEXT_WORDS = 4
LITHUANIAN_WORD_SHARE = 0.25
# Kana decide alone in a short Han text; in a longer one they must be this share of its characters.
SHORT_HAN_TEXT = 20
KANA_SHARE = 0.05

# Kanji in Japanese shinjitai form, written differently in both Simplified and Traditional Chinese.
JAPANESE_ONLY_HAN = set(
    "発売払続変込様検済戻円帰読駅図広実転伝気楽対単関総営証険択沢拡価覧歴繰畳悪亜桜鉄銭栄労働県効辺"
    "薬恵姫帯焼経継緑縁蔵訳豊軽遅郷釈頼騒験粋剤斉歳稲涙壊懐拠挙撃絵舗賛闘権窓渋専黒塩浜"
)
# Characters Japanese does not write: common Simplified forms, Traditional forms that Japanese
# simplified differently, and Chinese function words.
CHINESE_ONLY_HAN = set(
    "这们吗呢吧么怎啥咋哪个没还给让说话请问题时间现银电网页开门长马见认识过进选买卖车东货订单发变样"
    "检价历读图广实转传气乐对关总营证险运费码账换邮递"
    "這們嗎麼說沒讓錢碼賬遞發賣續變樣檢價歷讀圖廣實轉傳氣樂對單關總營證險"
)
JAPANESE_ONLY_HAN -= CHINESE_ONLY_HAN


class UnsupportedLanguageError(ValueError):
    """The text is in a script we do not answer in (Korean Hangul)."""


@dataclass(frozen=True)
class Detection:
    """A detected language.

    ``ambiguous`` means the text is Han-only and written alike in Japanese and
    Chinese: ``language`` is then only a lean and ``candidates`` lists both.
    """

    language: Language
    method: str
    ambiguous: bool = False

    @property
    def candidates(self) -> tuple[Language, ...]:
        return (Language.JA, Language.ZH) if self.ambiguous else (self.language,)


def detect_language(text: str, accept_language: str | None = None) -> Detection:
    """Detect the language of a short support query.

    Args:
        text: the customer's text.
        accept_language: the request's Accept-Language header, a tie-breaker only.

    Returns:
        The detection.

    Raises:
        UnsupportedLanguageError: for Korean text.
    """
    preferred = preferred_language(accept_language)
    kana, han = len(KANA.findall(text)), len(HAN.findall(text))
    latin = len(LATIN_LETTER.findall(text))
    cjk_words, latin_words = (kana + han) / LETTERS_PER_WORD["cjk"], latin / LETTERS_PER_WORD["latin"]
    if kana + han and cjk_words >= latin_words:
        if kana and (kana + han <= SHORT_HAN_TEXT or kana >= KANA_SHARE * (kana + han)):
            return Detection(Language.JA, "kana")
        return _han_language(text, preferred)
    if HANGUL.search(text) and not latin:
        raise UnsupportedLanguageError(
            "Korean is not supported; we answer in ja, zh, lt and en — pass 'language' to choose one")
    if latin:
        words = LATIN_WORD.findall(text)
        lithuanian = sum(bool(LITHUANIAN_LETTERS.search(word)) for word in words)
        if lithuanian and (len(words) <= SHORT_TEXT_WORDS or lithuanian >= LITHUANIAN_WORD_SHARE * len(words)):
            return Detection(Language.LT, "lithuanian-letters")
        # the few words with Lithuanian letters are names (Jonaitytė, Šiauliai): the other words decide
        rest = " ".join(word for word in words if not LITHUANIAN_LETTERS.search(word)) if lithuanian else text
        return Detection(_latin_detector().detect(rest), "lingua")
    return Detection(preferred or Language.EN, "accept-language" if preferred else "default")


def preferred_language(accept_language: str | None) -> Language | None:
    """The first supported language named in an Accept-Language header, by quality."""
    if not accept_language:
        return None
    ranked = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, code in sorted(ranked):
        if code in {language.value for language in Language}:
            return Language(code)
    return None


def _han_language(text: str, preferred: Language | None) -> Detection:
    chars = set(text)
    japanese, chinese = bool(chars & JAPANESE_ONLY_HAN), bool(chars & CHINESE_ONLY_HAN)
    if chinese and not japanese:
        return Detection(Language.ZH, "han-chinese-forms")
    if japanese and not chinese:
        return Detection(Language.JA, "han-japanese-forms")
    if preferred in (Language.JA, Language.ZH):
        return Detection(preferred, "han-ambiguous-accept-language", ambiguous=True)
    return Detection(_cld2_lean(text), "han-ambiguous-cld2", ambiguous=True)


def _cld2_lean(text: str) -> Language:
    import pycld2

    try:
        _, _, details = pycld2.detect(text)
    except pycld2.error:
        return Language.ZH
    return Language.JA if details[0][1] == "ja" else Language.ZH


class _LatinDetector:
    def __init__(self):
        from lingua import Language as LinguaLanguage
        from lingua import LanguageDetectorBuilder

        self._lithuanian = LinguaLanguage.LITHUANIAN
        self._detector = LanguageDetectorBuilder.from_languages(
            LinguaLanguage.ENGLISH, LinguaLanguage.LITHUANIAN).build()

    def detect(self, text: str) -> Language:
        found = self._detector.detect_language_of(text)
        return Language.LT if found == self._lithuanian else Language.EN


@lru_cache(maxsize=1)
def _latin_detector() -> _LatinDetector:
    return _LatinDetector()


def resolve_language(detection: Detection, matched: list[Language]) -> Language:
    """The answer language for a detection, given the languages of the best-matching fields.

    An ambiguous (Han-only) query is answered in the language of its best match
    among Japanese and Chinese; any other detection stands as it is.

    Args:
        detection: the query's detection.
        matched: languages of the best-matching fields, best first.

    Returns:
        The language to answer in.
    """
    if detection.ambiguous:
        for language in matched:
            if language in detection.candidates:
                return language
    return detection.language
