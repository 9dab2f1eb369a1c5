"""Letters link only to the web and to email: https, http and mailto (issue 12).

A staff-edited template (or a value placed in an attribute) could otherwise put a
``javascript:``, ``data:``, ``file:`` or relative link into a letter that goes to a Medicare
contractor; WeasyPrint resolves relative links against the project directory, so a relative
href would become a ``file://`` link. Such hrefs are removed from the HTML (the link text
stays); in-page ``#fragment`` links stay.
"""

from __future__ import annotations

import html
import re

__all__ = ["ALLOWED_SCHEMES", "is_allowed_href", "strip_disallowed_hrefs"]

ALLOWED_SCHEMES = frozenset({"https", "http", "mailto"})

# A link's opening tag (<a>, <area>); <link href> is the stylesheet, fetched through the
# static-only fetcher, and not a link a reader can follow.
_LINK_TAG = re.compile(r"<(?:a|area)\b[^>]*>", re.IGNORECASE)
# An href attribute inside that tag: double-quoted, single-quoted or bare value.
_HREF = re.compile(
    r"""(?P<space>\s)href\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE,
)
# Browsers drop these before reading a scheme ("java\tscript:" is "javascript:").
_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def is_allowed_href(value: str) -> bool:
    url = _IGNORED.sub("", html.unescape(value))
    if url.startswith("#"):
        return True
    scheme, colon, _ = url.partition(":")
    if not colon or any(c in scheme for c in "/?#"):
        return False  # relative: resolved against the project directory, a file: link
    return scheme.lower() in ALLOWED_SCHEMES


def strip_disallowed_hrefs(markup: str) -> str:
    def replace_href(match: re.Match) -> str:
        value = next(v for v in match.group("dq", "sq", "bare") if v is not None)
        return match.group(0) if is_allowed_href(value) else match.group("space")

    return _LINK_TAG.sub(lambda tag: _HREF.sub(replace_href, tag.group(0)), markup)
