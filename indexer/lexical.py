"""A small BM25 index with tokenisation that fits each of our languages.

* Chinese and Japanese have no spaces: runs of Han/kana are cut into
  overlapping character bigrams (a single character stays a unigram).
* Lithuanian and English words are stemmed with the Snowball stemmers of
  PyStemmer and then folded to ASCII, so ``išparduota`` and ``isparduota``
  (customers often type without diacritics) meet, as do ``kodas`` and ``kodą``.
  A query word's language is unknown, so it is stemmed both ways.

Across languages most shared words are coincidences (English ``gift`` is not
German ``Gift``); what a translation keeps verbatim are names, codes and numbers.
:func:`verbatim_terms` picks those out of a query, so that documents in other
languages are matched on them alone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import Stemmer

CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CLASS}]")
CJK_OR_OTHER_RUN = re.compile(f"[{CJK_CLASS}]+|[^{CJK_CLASS}]+")
WORD = re.compile(r"[^\W_]+")
# a capitalised word that does not open a sentence: most likely a name ("Tomas", "PayPal")
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[^\W\d_a-z][^\W_]+")
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


def verbatim_terms(text: str, terms: list[str] | None = None) -> tuple[list[str], list[str]]:
    """The terms of a query a translation would keep as they are.

    Args:
        text: the query.
        terms: its :func:`tokenize` terms, when the caller has them already.

    Returns:
        ``(codes, codes_and_names)``: words with digits (``SPRING20``, ``2024``) and Latin
        words inside Chinese or Japanese text (``Wi-Fi``), kept by any translation; then the
        same plus capitalised words inside a Latin-script sentence (names), which translations
        into another Latin-script language keep but Chinese and Japanese transliterate.
    """
    has_cjk = bool(CJK.search(text))
    codes = [term for term in (tokenize(text) if terms is None else terms)
             if any(ch.isdigit() for ch in term) or (has_cjk and not CJK.search(term))]
    names = [] if has_cjk else [term for name in NAME.findall(text.strip()) for term in tokenize(name)]
    return list(dict.fromkeys(codes)), list(dict.fromkeys(codes + names))


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
    """Okapi BM25 scored through an inverted index, with documents added and removed in place.

    Term statistics (idf, average length) are those of the initial documents; documents
    added later are weighted with them, which drifts only slightly until the next full
    build recomputes them.

    Args:
        documents: one list of terms per document.
    """

    def __init__(self, documents: list[list[str]]):
        self.size = len(documents)
        lengths = np.array([len(doc) for doc in documents], dtype=np.float64)
        self.average_length = lengths.mean() if self.size and lengths.mean() > 0 else 1.0
        counts = [Counter(doc) for doc in documents]
        frequency = Counter(term for doc_counts in counts for term in doc_counts)
        self.idf = {term: self._idf(df) for term, df in frequency.items()}
        self.unseen_idf = self._idf(0)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for doc_id, doc_counts in enumerate(counts):
            for term, weight in self._weights(doc_counts, lengths[doc_id]).items():
                ids, weights = postings.setdefault(term, ([], []))
                ids.append(doc_id)
                weights.append(weight)
        self.postings = {term: (np.array(ids, dtype=np.int64), np.array(weights)) for term, (ids, weights)
                         in postings.items()}
        self.alive = np.ones(self.size, dtype=bool)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (``.npz``), so a restart need not re-tokenise the knowledge base."""
        terms = list(self.postings)
        lengths = np.array([len(self.postings[term][0]) for term in terms], dtype=np.int64)
        with open(path, "wb") as handle:
            np.savez(handle, terms=np.array(terms, dtype=object).astype(str), lengths=lengths,
                     ids=np.concatenate([self.postings[t][0] for t in terms]) if terms else np.zeros(0, np.int64),
                     weights=np.concatenate([self.postings[t][1] for t in terms]) if terms else np.zeros(0),
                     idf_terms=np.array(list(self.idf), dtype=object).astype(str),
                     idf=np.array(list(self.idf.values())), alive=self.alive,
                     average_length=np.array(self.average_length))

    @classmethod
    def load(cls, path: Path) -> BM25:
        """Read an index written by :meth:`save`."""
        data = np.load(path)
        index = cls.__new__(cls)
        index.alive = data["alive"]
        index.size = len(index.alive)
        index.average_length = float(data["average_length"])
        index.idf = dict(zip(data["idf_terms"].tolist(), data["idf"].tolist()))
        index.unseen_idf = index._idf(0)
        ids, weights = data["ids"], data["weights"]
        bounds = np.concatenate([[0], np.cumsum(data["lengths"])])
        index.postings = {term: (ids[start:end], weights[start:end])
                          for term, start, end in zip(data["terms"].tolist(), bounds[:-1], bounds[1:])}
        return index

    def add(self, terms: list[str]) -> int:
        """Index one more document.

        Returns:
            Its position in :meth:`scores`.
        """
        position = self.size
        self.size += 1
        self.alive = np.append(self.alive, True)
        for term, weight in self._weights(Counter(terms), len(terms)).items():
            ids, weights = self.postings.get(term, (np.zeros(0, dtype=np.int64), np.zeros(0)))
            self.postings[term] = (np.append(ids, position), np.append(weights, weight))
        return position

    def remove(self, position: int) -> None:
        """Stop matching the document at ``position``."""
        self.alive[position] = False

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def _weights(self, counts: Counter, length: float) -> dict[str, float]:
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / self.average_length)
        return {term: self.idf.get(term, self.unseen_idf) * tf * (BM25_K1 + 1) / (tf + norm)
                for term, tf in counts.items()}

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
        return result * self.alive
