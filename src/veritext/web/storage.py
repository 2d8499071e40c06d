"""The app's way to the SQLite store: one open :class:`~veritext.store.Store` per worker thread.

FastAPI runs request handlers in a thread pool, and an ``sqlite3`` connection belongs to the thread
that opened it; opening the store for every request costs more than triaging a message. So each
worker thread opens the store once and keeps it. Reads always go to the database (a ``veritext
loans`` command in another terminal is seen at once); only the parsed user rules are cached, by text.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from veritext.ledger import Loan
from veritext.message import I18nText
from veritext.store import Store, StoreError
from veritext.userrules import RulesError, UserRules, parse_rules
from veritext.web.problems import WebError

__all__ = ["StoreProvider"]


@lru_cache(maxsize=8)
def _parsed_rules(text: str) -> UserRules:
    return parse_rules(text)


class StoreProvider:
    """Opens the store at ``path`` once per thread; :meth:`check` opens (and migrates) it up front."""

    def __init__(self, *, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def check(self) -> None:
        """Open, create and migrate the database now, so a bad path fails at start-up, not on a request."""
        Store.open(self.path).close()

    def store(self) -> Store:
        """This thread's open store."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            try:
                store = Store.open(self.path)
            except StoreError as exc:
                raise WebError(
                    status=500, slug="store-error", detail=I18nText(zh=f"无法打开数据库：{exc}", en=str(exc))
                ) from None
            self._local.store = store
        return store

    def personal_context(self) -> tuple[tuple[Loan, ...], UserRules | None]:
        """The ledger's loans and the person's rules, as ``veritext check`` uses them."""
        store = self.store()
        loans = store.loans()
        text = store.rules_toml()
        if text is None:
            return loans, None
        try:
            return loans, _parsed_rules(text)
        except RulesError as exc:
            raise WebError(
                status=500,
                slug="rules-error",
                detail=I18nText(
                    zh=f"你保存的规则无法加载：{exc}；请修改后用 veritext rules import 重新导入。",
                    en=f"Your saved rules no longer load: {exc}; fix them and re-import with veritext rules import.",
                ),
            ) from None
