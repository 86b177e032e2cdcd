"""Lithuanian vocative of customer names: Lithuanian endings declined, the unsure ones None."""

from __future__ import annotations

import pytest

from kb.vocative import lithuanian_vocative

NAMES = [
    # I declension -as, -jas
    ("Jonas", "Jonai"),
    ("Tomas", "Tomai"),
    ("Matas", "Matai"),
    ("Žygimantas", "Žygimantai"),
    ("Kazlauskas", "Kazlauskai"),
    ("Elijas", "Elijau"),
    # I declension -is, -ys
    ("Kęstutis", "Kęstuti"),
    ("Jurgis", "Jurgi"),
    ("Petraitis", "Petraiti"),
    ("Jablonskis", "Jablonski"),
    ("Kazys", "Kazy"),
    ("Žemaitys", "Žemaity"),
    # IV declension -us, -ius, -jus
    ("Andrius", "Andriau"),
    ("Paulius", "Pauliau"),
    ("Darius", "Dariau"),
    ("Motiejus", "Motiejau"),
    ("Nojus", "Nojau"),
    ("Adamkus", "Adamkau"),
    ("Vaitkevičius", "Vaitkevičiau"),
    # -ė: first names, unmarried and married surnames, the new neutral form
    ("Aistė", "Aiste"),
    ("Jonaitytė", "Jonaityte"),
    ("Kazlauskaitė", "Kazlauskaite"),
    ("Petraitienė", "Petraitiene"),
    ("Grybauskė", "Grybauske"),
    # II declension -a, -ia: unchanged, also men's names and surnames
    ("Marta", "Marta"),
    ("Rūta", "Rūta"),
    ("Lidija", "Lidija"),
    ("Mažeika", "Mažeika"),
    # whole names, double surnames
    ("Jonas Petraitis", "Jonai Petraiti"),
    ("Aistė Jonaitytė", "Aiste Jonaityte"),
    ("Rūta Petraitienė", "Rūta Petraitiene"),
    ("Kęstutis Andrius Kazlauskas", "Kęstuti Andriau Kazlauskai"),
    ("Rūta Petraitienė-Jonaitytė", "Rūta Petraitiene-Jonaityte"),
    ("  Jonas   Petraitis ", "Jonai Petraiti"),
    # typed without diacritics: no diacritic added
    ("Aiste", "Aiste"),
    ("Kestutis", "Kestuti"),
    ("Zygimantas Kazlauskas", "Zygimantai Kazlauskai"),
    ("Ruta Petraitiene", "Ruta Petraitiene"),
    # capitalisation kept
    ("JONAS PETRAITIS", "JONAI PETRAITI"),
    ("AISTĖ", "AISTE"),
    ("jonas petraitis", "jonai petraiti"),
    # titles
    ("ponas Jonas", "pone Jonai"),
    ("Ponas Jonas Petraitis", "Pone Jonai Petraiti"),
    ("ponia Rūta", "ponia Rūta"),
    ("panelė Aistė", "panele Aiste"),
    ("p. Jonas", "p. Jonai"),
    ("P. Petraitienė", "P. Petraitiene"),
    # foreign names ending in a vowel: undeclined in Lithuanian
    ("Anna", "Anna"),
    ("Anna-Maria", "Anna-Maria"),
    ("Hugo", "Hugo"),
    ("Amy", "Amy"),
    ("José", "José"),
    ("Mike", "Mike"),
    # foreign names with a Lithuanian ending and spelling: declined like Lithuanian ones
    ("Lucas", "Lucai"),
    ("Nicolas", "Nicolai"),
    # foreign or unsure forms: no name in the greeting
    ("John", None),
    ("John Smith", None),
    ("Anna-Maria Smith", None),
    ("Thomas", None),
    ("Louis", None),
    ("Chris", None),
    ("Dennis", None),
    ("Tobias", None),
    ("Carlos", None),
    ("Agnes", None),
    ("Boris", None),
    ("Ugnis", None),
    ("Jönas", None),
    ("Анна", None),
    ("山田", None),
    # initials, single letters, garbage
    ("J.", None),
    ("J. Petraitis", None),
    ("J", None),
    ("", None),
    ("   ", None),
    ("123", None),
    ("Jonas2", None),
    ("a@b.lt", None),
    ("Jonas,", None),
    ("Jonas-", None),
    ("O'Brien", None),
    # not a name, or a name that contradicts itself
    ("ponas", None),
    ("p.", None),
    ("Sveiki esu Jonas", None),
    ("Jonas Jonaitis Petras Petraitis Kazys", None),
    ("ponia Jonas", None),
    ("ponas Aistė", None),
    ("Aistė Petraitis", None),
]


@pytest.mark.parametrize(("name", "expected"), NAMES)
def test_vocative(name, expected):
    assert lithuanian_vocative(name) == expected


def test_the_list_covers_at_least_forty_names():
    assert len(NAMES) >= 40


@pytest.mark.parametrize("name", [name for name, expected in NAMES if expected is not None])
def test_a_vocative_is_its_own_vocative(name):
    vocative = lithuanian_vocative(name)
    assert lithuanian_vocative(vocative) == vocative


@pytest.mark.parametrize("name", [name for name, expected in NAMES if expected is not None and name.isascii()])
def test_no_diacritic_is_added(name):
    assert lithuanian_vocative(name).isascii()


def test_decomposed_diacritics_are_read_like_composed_ones():
    assert lithuanian_vocative("Aiste\u0307") == "Aiste"
