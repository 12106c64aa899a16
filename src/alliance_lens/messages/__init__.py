"""One message catalogue: every text a user reads, in English (:mod:`.en`) and Dutch (:mod:`.nl`).

Keys are dotted by area (``link.``, ``poll.``, ``pattern.``, ``dash.``, ``problem.``, ``file.``, ``store.``, ``cli.``,
``chart.``); values are :meth:`str.format` templates. :func:`tr` refuses an unknown language or key, so a
missing translation is found by a test (``tests/test_messages.py``), not by a client on a projector.
"""

from __future__ import annotations

from typing import Any, Final

from alliance_lens.messages import en, nl

CATALOGUES: Final[dict[str, dict[str, str]]] = {"en": en.MESSAGES, "nl": nl.MESSAGES}
LANGUAGES: Final[tuple[str, ...]] = tuple(CATALOGUES)


def tr(key: str, lang: str = "en", /, **values: Any) -> str:
    """The message ``key`` in ``lang``, filled with ``values``.

    Raises ``ValueError`` for a language that is not ``en`` or ``nl`` and ``KeyError`` for an unknown key.
    """
    catalogue = CATALOGUES.get(lang)
    if catalogue is None:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return catalogue[key].format(**values) if values else catalogue[key]
