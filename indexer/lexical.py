"""A small BM25 index with tokenisation that fits each of our languages.

* Chinese and Japanese have no spaces: runs of Han/kana are cut into
  overlapping character bigrams (a single character stays a unigram).
* Lithuanian and English words are stemmed with the Snowball stemmers of
  PyStemmer and then folded to ASCII, so ``išparduota`` and ``isparduota``
  (customers often type without diacritics) meet, as do ``kodas`` and ``kodą``.
  A query word's language is unknown, so it is stemmed both ways.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

import numpy as np
import Stemmer

CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CLASS}]")
CJK_OR_OTHER_RUN = re.compile(f"[{CJK_CLASS}]+|[^{CJK_CLASS}]+")
WORD = re.compile(r"[^\W_]+")
STEMMERS = {"en": Stemmer.Stemmer("english"), "lt": Stemmer.Stemmer("lithuanian")}
BM25_K1 = 1.2
BM25_B = 0.75


def fold(word: str) -> str:
    """Strip diacritics: ``grąž`` -> ``graz``."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def tokenize(text: str, languages: tuple[str, ...] = ("en", "lt")) -> list[str]:
    """Index terms of a text.

    Args:
        text: any text.
        languages: stemmers to apply to Latin words (a document's own language;
            both for a query).

    Returns:
        The terms, with repeats.
    """
    terms: list[str] = []
    for run in WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if CJK.search(run):
            terms.extend(_cjk_terms(run))
            continue
        for language in languages:
            stemmer = STEMMERS.get(language)
            terms.append(fold(stemmer.stemWord(run) if stemmer else run))
    return terms


def _cjk_terms(run: str) -> list[str]:
    # a run may mix Han/kana with Latin letters or digits ("iPhoneケース"): split them
    terms = []
    for piece in CJK_OR_OTHER_RUN.findall(run):
        if not CJK.match(piece):
            terms.append(fold(piece))
        elif len(piece) == 1:
            terms.append(piece)
        else:
            terms.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return terms


class BM25:
    """Okapi BM25 over a fixed set of documents, scored through an inverted index.

    Args:
        documents: one list of terms per document.
    """

    def __init__(self, documents: list[list[str]]):
        self.size = len(documents)
        lengths = np.array([len(doc) for doc in documents], dtype=np.float64)
        average = lengths.mean() if self.size and lengths.mean() > 0 else 1.0
        counts = [Counter(doc) for doc in documents]
        frequency = Counter(term for doc_counts in counts for term in doc_counts)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for doc_id, doc_counts in enumerate(counts):
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[doc_id] / average)
            for term, tf in doc_counts.items():
                df = frequency[term]
                idf = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
                ids, weights = postings.setdefault(term, ([], []))
                ids.append(doc_id)
                weights.append(idf * tf * (BM25_K1 + 1) / (tf + norm))
        self.postings = {term: (np.array(ids), np.array(weights)) for term, (ids, weights) in postings.items()}
        self.idf = {term: math.log(1 + (self.size - frequency[term] + 0.5) / (frequency[term] + 0.5))
                    for term in frequency}
        self.unseen_idf = math.log(1 + (self.size + 0.5) / 0.5)

    def upper_bound(self, query_terms: list[str]) -> float:
        """The most any document could score: every query term present with a saturated frequency.

        Terms the index has never seen count with the idf of an unseen term, so a query in another
        language (few shared terms) gets a low share of the bound however its few matches score.
        """
        return sum(self.idf.get(term, self.unseen_idf) * (BM25_K1 + 1) for term in set(query_terms))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document for the query terms (repeats ignored)."""
        result = np.zeros(self.size)
        for term in set(query_terms):
            if term in self.postings:
                ids, weights = self.postings[term]
                result[ids] += weights
        return result
