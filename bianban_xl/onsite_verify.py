"""The on-site checks ``verify`` adds: 插班 replay, the lottery, and the lock fingerprints."""
from __future__ import annotations

from .raw_book import RawBook
from .records import Roster


def onsite_checks(book: RawBook, roster: Roster) -> tuple[bool, list[str]]:
    from .late import verify_late
    from .lock import verify_lock
    from .lottery import verify_lottery

    ok, out = True, []
    for check in (lambda: verify_late(book, roster), lambda: verify_lottery(book), lambda: verify_lock(book)):
        good, lines = check()
        ok = ok and good
        out += lines
    return ok, out
