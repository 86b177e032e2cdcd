"""Synonym groups as query variants for lexical search (tokenised as the index tokenises each language)."""

from __future__ import annotations

from indexer.lexical import tokenize
from indexer.synonyms import MAX_VARIANTS, Synonyms
from kb.models import Language
from kb.relevance import SynonymGroup


def synonyms(*groups: tuple[str, list[str]]) -> Synonyms:
    return Synonyms([SynonymGroup(language=lang, terms=terms) for lang, terms in groups])


def test_a_query_without_a_groups_term_has_no_variants():
    assert synonyms(("en", ["parcel", "package"])).variants(tokenize("refund my order"), Language.EN) == []
    assert Synonyms().variants(tokenize("parcel"), Language.EN) == []


def test_an_inflected_latin_word_matches_its_group_and_is_swapped_for_the_others_stems():
    [variant] = synonyms(("en", ["parcel", "package"])).variants(tokenize("my parcels are late"), Language.EN)
    assert "parcel" not in variant.kept and {"my", "late"} <= set(variant.kept)
    assert variant.swaps == [(("parcel",), ("packag",))]


def test_lithuanian_words_are_matched_by_their_lithuanian_stem():
    variants = synonyms(("lt", ["siunta", "siuntinys", "pakuotė"])).variants(tokenize("kur mano siuntos"), Language.LT)
    assert [swap for variant in variants for swap in variant.swaps] == [(("siunt",), ("siuntin",)),
                                                                       (("siunt",), ("pak",))]


def test_japanese_terms_are_matched_as_bigrams_in_text_without_spaces_and_apply_to_han_queries_of_both():
    group = synonyms(("ja", ["配送", "発送", "お届け"]))
    assert [v.swaps[0][1] for v in group.variants(tokenize("お届け日を変更したい"), Language.JA)] == [("配送",), ("発送",)]
    assert len(group.variants(tokenize("配送状况"), Language.ZH)) == 2  # Han-only text detected as Chinese
    assert group.variants(tokenize("配送"), Language.EN) == []  # not an English query's group
    assert len(group.variants(tokenize("配送"), None)) == 2  # unknown language: every group


def test_several_matched_groups_combine_up_to_the_cap():
    many = synonyms(*[("en", [f"word{i}", *[f"alt{i}x{j}" for j in range(5)]]) for i in range(4)])
    variants = many.variants(tokenize("word0 word1 word2 word3"), Language.EN)
    assert len(variants) == MAX_VARIANTS - 1 and max(len(variant.swaps) for variant in variants) >= 2
