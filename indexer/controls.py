"""A tenant's relevance controls (:mod:`kb.relevance`) as a process applies them, in step with the store.

The controls are read once when the tenant opens and compiled (:class:`indexer.synonyms.Synonyms`); a change
made through this process is taken in at once (:meth:`LiveControls.refresh`), one made through another process
when this one next polls the controls' version (:meth:`LiveControls.poll`, beside the article change feed).
Searches key their caches on :attr:`AppliedControls.version`, so none serves results of older controls.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from indexer.synonyms import Synonyms
from kb.models import Language
from kb.relevance import RelevanceControls
from kb.stores import Store


@dataclass(frozen=True)
class AppliedControls:
    """One version of a tenant's controls, ready for searches."""

    controls: RelevanceControls = RelevanceControls()
    synonyms: Synonyms = field(default_factory=Synonyms)

    @property
    def version(self) -> int:
        return self.controls.version

    def pinned(self, query: str, language: Language | None) -> tuple[str, ...]:
        """The articles pinned for a query, in pin order (:meth:`kb.relevance.RelevanceControls.pinned`)."""
        return tuple(self.controls.pinned(query, language))


class LiveControls:
    """The tenant's current controls in this process.

    Args:
        store: the shared store.
        tenant: whose controls.
    """

    def __init__(self, store: Store, tenant: str):
        self.store = store
        self.tenant = tenant
        self._lock = threading.Lock()
        self.current = AppliedControls()
        self.refresh()

    def refresh(self) -> None:
        """Read the controls from the store and apply them (a newer version only: reads may overlap)."""
        controls = self.store.relevance.controls(self.tenant)
        applied = AppliedControls(controls, Synonyms(controls.groups))
        with self._lock:
            if controls.version > self.current.version:
                self.current = applied

    def poll(self) -> None:
        """Take in a change another process made (one small read when there is none)."""
        if self.store.relevance.version(self.tenant) != self.current.version:
            self.refresh()
