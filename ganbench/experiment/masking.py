"""The one place that hides secrets in URLs: every tracking URI and study storage URL that ganbench
prints, tags, logs or passes to another process goes through :func:`mask_url` (or, for free text
that may quote a URL, :func:`mask_text`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
#: ``scheme://user:password@`` in free text (an error message quoting a URL, a command line).
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?P<secret>[^@\s]+)(?=@)")


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (``postgresql://u:***@host/db``); URLs without a
    password come back unchanged."""
    if "://" not in url:
        return url
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return _USERINFO.sub(lambda m: m["head"] + MASK, url)
    if parsed.password is None:
        return url
    return parsed.render_as_string(hide_password=True)


def password(url: str) -> str | None:
    """The password inside ``url``, or None."""
    if "://" not in url:
        return None
    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        found = _USERINFO.search(url)
        return found["secret"] if found else None


def mask_text(text: str, urls: Iterable[str] = ()) -> str:
    """``text`` with every ``scheme://user:password@`` masked, and the passwords of ``urls`` (which
    an error message may quote on their own, without the URL around them) replaced by ``***``."""
    out = _USERINFO.sub(lambda m: m["head"] + MASK, text)
    for url in urls:
        secret = password(url)
        if secret:
            out = out.replace(secret, MASK)
    return out


def mask_argv(argv: Iterable[str]) -> list[str]:
    """A command line with every URL's password masked (``--tracking-uri URL`` and ``--opt=URL``)."""
    return [mask_text(arg) for arg in argv]
