"""Each tenant's relevance controls (:mod:`kb.relevance`): synonym groups and pins, with one version for both."""

from __future__ import annotations

import json

from kb.relevance import Pin, RelevanceControls, SynonymGroup
from kb.stores.columns import now
from kb.stores.concern import Concern


class UnknownArticlesError(LookupError):
    """Pins name articles the tenant does not have.

    Args:
        article_ids: the missing articles.
    """

    def __init__(self, article_ids: list[str]):
        super().__init__(f"no article {', '.join(repr(a) for a in article_ids)}: pin articles that exist")
        self.article_ids = article_ids


class Relevance(Concern):
    """The tenants' synonym groups and pins, one row per tenant whose ``version`` grows with every change
    (processes serving the tenant poll it, see :meth:`version`)."""

    def controls(self, tenant: str) -> RelevanceControls:
        """The tenant's controls (version 0 and none when it never set any)."""
        with self.store.reading() as db:
            row = db.execute("SELECT version, synonyms, pins FROM relevance_controls WHERE tenant = ?",
                             (tenant,)).fetchone()
        if row is None:
            return RelevanceControls()
        return RelevanceControls(row[0], tuple(SynonymGroup.model_validate(group) for group in json.loads(row[1])),
                                 tuple(Pin.model_validate(pin) for pin in json.loads(row[2])))

    def version(self, tenant: str) -> int:
        """The version of the tenant's controls (0: never set): a cheap read to poll."""
        with self.store.reading() as db:
            row = db.execute("SELECT version FROM relevance_controls WHERE tenant = ?", (tenant,)).fetchone()
        return row[0] if row else 0

    def replace_synonyms(self, tenant: str, groups: list[SynonymGroup]) -> RelevanceControls:
        """Replace all of the tenant's synonym groups (checked by :class:`kb.relevance.SynonymGroups`).

        Raises:
            UnknownTenantError: no such tenant.
        """
        self._write(tenant, "synonyms", [group.model_dump(mode="json") for group in groups])
        return self.controls(tenant)

    def replace_pins(self, tenant: str, pins: list[Pin]) -> RelevanceControls:
        """Replace all of the tenant's pins.

        Raises:
            UnknownTenantError: no such tenant.
            UnknownArticlesError: a pin names an article the tenant does not have (nothing is written).
        """
        wanted = sorted({pin.article_id for pin in pins})
        self._write(tenant, "pins", [pin.model_dump(mode="json") for pin in pins], wanted)
        return self.controls(tenant)

    def _write(self, tenant: str, column: str, value: list[dict], articles: list[str] = ()) -> None:
        """Set one column of the tenant's row (the other stays), its version one higher, once ``articles`` exist."""
        columns = {"synonyms": "[]", "pins": "[]", column: json.dumps(value, ensure_ascii=False)}
        with self.store.transaction() as db:
            self.store.require_tenant(db, tenant)
            if articles:
                marks = ", ".join("?" * len(articles))
                found = {row[0] for row in db.execute(
                    f"SELECT id FROM articles WHERE tenant = ? AND id IN ({marks})",  # noqa: S608 (only placeholders)
                    (tenant, *articles)).fetchall()}
                if missing := [article for article in articles if article not in found]:
                    raise UnknownArticlesError(missing)
            db.execute("INSERT INTO relevance_controls (tenant, version, synonyms, pins, updated_at) "  # noqa: S608 (column is one of two names this class passes, never a request's)
                       "VALUES (?, 1, ?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET "
                       f"version = relevance_controls.version + 1, {column} = excluded.{column}, "
                       "updated_at = excluded.updated_at", (tenant, columns["synonyms"], columns["pins"], now()))
