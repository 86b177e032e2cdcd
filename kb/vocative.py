"""Lithuanian names in the vocative (šauksmininkas), for greetings: "Laba diena, Jonai," not "Jonas,".

A name is declined by its ending, word by word ("Jonas Petraitis" -> "Jonai Petraiti"). When a word's
form is not surely Lithuanian (or surely an undeclined foreign form) the whole name gets None, and the
caller greets without a name, which is always correct. The decisions:

* Lithuanian endings that change: -as, -jas, -is, -ys, -us/-ius/-jus (see ``CHANGING_ENDINGS``).
* -ė becomes -e; a name typed without diacritics ("Aiste") already ends in -e and is kept.
* Other vowel endings are kept: -a, -ia (II declension, vocative like the nominative) and foreign
  names ending in a vowel ("Hugo", "Toni", "Amy"), which Lithuanian leaves undeclined. A silent
  final -e ("Mike") is kept too: the norm would write "Mike'ai", letters write "Mike".
* Foreign names spelt with Lithuanian letters and ending like Lithuanian ones are declined like them
  ("Lucas" -> "Lucai"), as the norm for names in their original spelling says.
* None for: consonant endings other than -s ("John"), -s endings that are not Lithuanian (-es, -os,
  vowel + -as/-is such as "Tobias", "Louis"), words with letters or letter pairs Lithuanian spelling
  does not use (q, w, x, th, doubled letters ...) before an -s ending, the few names in ``UNSURE_NAMES``,
  initials, single letters, digits, punctuation, non-Latin script, words of mixed capitalisation
  ("Sveiki esu Jonas"), first name and surname of different genders, more than ``MAX_NAME_WORDS`` words.
* Capitalisation and diacritics are kept as typed: "JONAS" -> "JONAI", "jonas" -> "jonai"; no
  diacritic is ever added.
* A leading title is declined too: "ponas" -> "pone", "ponia" -> "ponia", "panelė" -> "panele";
  the abbreviation "p." stays, as it is read in the right case either way ("p. Jonai").
"""

from __future__ import annotations

import unicodedata

# More words than this (first and middle names, surnames; the title not counted) are not taken for a name.
MAX_NAME_WORDS = 4
LITHUANIAN_LETTERS = frozenset("aąbcčdeęėfghiįyjklmnoprsštuųūvzž")
VOWELS = frozenset("aąeęėiįyouųū")
# Letter pairs of other languages' spelling; a word with one is not declined by Lithuanian endings.
FOREIGN_PAIRS = ("th", "ph", "ck", "gh", "ou", "ea", "ee", "oo", "ae")
# Nominative ending -> (vocative ending, letters allowed right before the ending), longest first
# (Lietuvių kalbos gramatika, the five noun declensions, linksniuotės):
CONSONANT = "consonant"
CONSONANT_OR_I = "consonant or i"
VOWEL = "vowel"
CHANGING_ENDINGS = {
    # I declension, jo-stem after a vowel: vėjas -> vėjau, like mokytojas -> mokytojau; Elijas -> Elijau.
    "jas": ("jau", VOWEL),
    # I declension, proper names in -as: Jonas -> Jonai, Kazlauskas -> Kazlauskai (-ias: not surely).
    "as": ("ai", CONSONANT),
    # I declension, jo-stem in -is: Jurgis -> Jurgi, Kęstutis -> Kęstuti, Petraitis -> Petraiti.
    "is": ("i", CONSONANT),
    # I declension, jo-stem in -ys: Kazys -> Kazy, Žemaitys -> Žemaity.
    "ys": ("y", CONSONANT),
    # IV declension -us, -ius, -jus: Adamkus -> Adamkau, Andrius -> Andriau, Motiejus -> Motiejau.
    "us": ("au", CONSONANT_OR_I),
}
# Names whose ending looks Lithuanian but is not declined like the table above: III declension
# feminine -is (Ugnis -> Ugnie, and Ugnis is also a man's name: Ugni), and frequent foreign names whose
# final -s belongs to the stem (Lithuanian adds an ending: Borisas, Marcusas).
UNSURE_NAMES = frozenset({
    "ugnis", "viltis",
    "boris", "denis", "doris", "iris", "mavis", "francis", "travis", "curtis", "gladys",
    "marcus", "markus", "magnus", "rufus",
})
# Titles before a name: typed form -> (vocative, gender of the person addressed or None).
TITLES = {
    "ponas": ("pone", "m"),
    "pone": ("pone", "m"),
    "ponia": ("ponia", "f"),
    "panelė": ("panele", "f"),
    "panele": ("panele", "f"),
    "p.": ("p.", None),
}


def lithuanian_vocative(name: str) -> str | None:
    """The name in the Lithuanian vocative, to greet the customer with.

    Args:
        name: the customer's name as given: a first name, surname or both, optionally after a title.

    Returns:
        The vocative ("Jonas Petraitis" -> "Jonai Petraiti", "Aistė" -> "Aiste"), or None when the
        name is not surely declined right (foreign forms, initials, anything not a name).
    """
    words = unicodedata.normalize("NFC", name).split()
    title = None
    if words and words[0].lower() in TITLES:
        title, words = words[0], words[1:]
    parts = [part for word in words for part in word.split("-")]
    if not words or len(words) > MAX_NAME_WORDS or not _consistently_capitalised(parts):
        return None
    declined_words = []
    for word in words:
        declined_parts = [_vocative_of_word(part) for part in word.split("-")]
        if None in declined_parts:
            return None
        declined_words.append("-".join(declined_parts))
    genders = {_gender(part) for part in parts} - {None}
    if title is not None:
        title_vocative, title_gender = TITLES[title.lower()]
        genders |= {title_gender} - {None}
        declined_words.insert(0, _in_case_of(title_vocative, title))
    if len(genders) > 1:
        return None
    return " ".join(declined_words)


def _vocative_of_word(word: str) -> str | None:
    """One word of a name (no spaces or hyphens) in the vocative.

    Args:
        word: e.g. "Kęstutis", "Aistė", "Hugo".

    Returns:
        The vocative form, or None when the word is not surely declined right.
    """
    lower = word.lower()
    if len(lower) < 2 or not lower.isalpha() or not all(_is_latin(letter) for letter in lower):
        return None
    if lower.endswith("ė"):
        return word[:-1] + _in_case_of("e", word[-1])
    if _ends_in_kept_vowel(lower):
        return word
    if not _looks_lithuanian(lower) or lower in UNSURE_NAMES:
        return None
    ending = next((ending for ending in CHANGING_ENDINGS if lower.endswith(ending)), None)
    if ending is None:
        return None
    vocative, allowed_before = CHANGING_ENDINGS[ending]
    stem = lower[:-len(ending)]
    if not any(letter in VOWELS for letter in stem) or not _allowed_before(stem[-1], allowed_before):
        return None
    return word[:-len(ending)] + _in_case_of(vocative, word[-len(ending):])


def _allowed_before(letter: str, allowed: str) -> bool:
    """Whether the letter before an ending is of the kind the ending needs.

    Args:
        letter: the stem's last letter (lower case).
        allowed: ``VOWEL``, ``CONSONANT`` or ``CONSONANT_OR_I``.

    Returns:
        True when the letter fits.
    """
    if allowed == VOWEL:
        return letter in VOWELS
    return letter not in VOWELS or (allowed == CONSONANT_OR_I and letter == "i")


def _is_latin(letter: str) -> bool:
    """Whether a letter is a Latin one, with or without diacritics."""
    return unicodedata.normalize("NFD", letter)[0] in "abcdefghijklmnopqrstuvwxyz"


def _ends_in_kept_vowel(lower: str) -> bool:
    """Whether a lower-case word ends in a vowel the vocative keeps: a, e, i, o, u, y, or a foreign
    accented one (é, ö); not the Lithuanian ą, ę, į, ų, ū, which no nominative of a name ends in."""
    last = lower[-1]
    return last not in "ąęįųū" and unicodedata.normalize("NFD", last)[0] in "aeiouy"


def _looks_lithuanian(lower: str) -> bool:
    """Whether a lower-case word is spelt with Lithuanian letters and letter pairs only."""
    if any(letter not in LITHUANIAN_LETTERS for letter in lower):
        return False
    if any(first == second for first, second in zip(lower, lower[1:])):
        return False
    return not any(pair in lower for pair in FOREIGN_PAIRS)


def _consistently_capitalised(parts: list[str]) -> bool:
    """Whether every part of a name starts with a capital, or the whole name is in lower case."""
    return all(part[:1].isupper() for part in parts) or all(part.islower() for part in parts)


def _gender(word: str) -> str | None:
    """The gender a name's ending tells: "m" for -s, "f" for -ė or -e, None for the others (-a, -o ...)."""
    last = word[-1:].lower()
    return "m" if last == "s" else "f" if last in ("ė", "e") else None


def _in_case_of(text: str, typed: str) -> str:
    """``text`` in the capitalisation of what the customer typed (all capitals, capitalised or lower).

    Args:
        text: lower-case replacement, e.g. a vocative ending or title.
        typed: what it replaces.

    Returns:
        ``text`` in capitals when ``typed`` is all capitals, capitalised when ``typed`` is a
        capitalised word of more than one letter, else as it is.
    """
    if typed.isupper():
        return text.upper()
    if len(typed) > 1 and typed[0].isupper():
        return text.capitalize()
    return text
