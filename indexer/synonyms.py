"""A tenant's synonym groups (:mod:`kb.relevance`) applied to lexical search: query variants.

A query term that belongs to a group (all of the term's index terms are among the query's, tokenised as the
index tokenises the group's language: stems for Latin words, bigrams for Han and kana) is swapped for each other
term of the group in turn. A swapped-in term is weighted so that an article holding it scores as one holding the
query's own term would (:class:`Variant`), and an article keeps its best score over the variants: synonyms only
add matches, an article holding none of the swapped-in terms scores as before, and a query holding no group's
term is scored exactly as without synonyms.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.lexical import tokenize
from kb.models import Language
from kb.relevance import SynonymGroup, same_vocabulary

# Most query variants scored (the query itself first): several matched groups multiply.
MAX_VARIANTS = 32


@dataclass(frozen=True)
class Variant:
    """A query with some of its terms swapped for synonyms.

    ``kept``: the query's terms that stay; ``swaps``: per swapped term, its index terms and those of the synonym
    put in its place (the synonym's BM25 score counts in the proportion of the two terms' idf).
    """

    kept: list[str]
    swaps: list[tuple[tuple[str, ...], tuple[str, ...]]]


@dataclass(frozen=True)
class _Term:
    indexed: tuple[str, ...]  # as an article of the group's language is indexed: what a variant searches
    queried: tuple[str, ...]  # as a query is tokenised (both stemmers): what a variant takes out


class Synonyms:
    """Synonym groups ready for lexical search (compiled once per change of a tenant's groups).

    Args:
        groups: the tenant's synonym groups.
    """

    def __init__(self, groups: Iterable[SynonymGroup] = ()):
        self.groups: dict[Language, list[list[_Term]]] = {}
        for group in groups:
            self.groups.setdefault(group.language, []).append(
                [_Term(tuple(tokenize(term, (group.language.value,))), tuple(tokenize(term))) for term in group.terms])

    def variants(self, terms: list[str], language: Language | None) -> list[Variant]:
        """For each group one of the query's terms belongs to, the query with that term swapped for another
        of the group, every combination (at most :data:`MAX_VARIANTS`); none when no group matches.

        Args:
            terms: the query's terms (:func:`indexer.lexical.tokenize`).
            language: the query's language (groups of its vocabulary apply); None: every group applies.
        """
        present = set(terms)
        languages = same_vocabulary(language) if language is not None else self.groups.keys()
        choices = []  # per matched group: its terms in the query, then the others
        for group in (group for lang in languages for group in self.groups.get(lang, ())):
            matched = [term for term in group if term.indexed and present.issuperset(term.indexed)]
            if matched:
                choices.append((matched, [term for term in group if term not in matched]))
        picked = itertools.islice(itertools.product(*([None, *others] for _, others in choices)), 1, MAX_VARIANTS)
        variants = []
        for picks in picked:  # the first combination swaps nothing: the query itself
            swapped = [(matched, pick) for (matched, _), pick in zip(choices, picks) if pick is not None]
            removed = {token for matched, _ in swapped for term in matched for token in term.queried}
            variants.append(Variant([term for term in terms if term not in removed],
                                    [(tuple(token for term in matched for token in term.indexed), pick.indexed)
                                     for matched, pick in swapped]))
        return variants
