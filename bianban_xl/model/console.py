"""The console every shell prints to: a Windows console on code page 936 (or 437) cannot show
every character a roster holds (生僻字, emoji typed into a note), and Python would raise
UnicodeEncodeError in the middle of a run. Shells call ``tolerant_console()`` first, so such a
character prints as '?' and the run goes on."""
from __future__ import annotations

import sys


def tolerant_console() -> None:
    """Make stdout and stderr replace what their encoding cannot show instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):      # not a text stream (tests, pythonw's None)
            pass
