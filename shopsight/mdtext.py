"""Data values and link parameters shown literally where Streamlit renders Markdown.

Streamlit renders the text of st.markdown, captions, alerts, toasts, titles, metric labels
and tab labels as Markdown.  A product, source, variant, province or event name from an
upload, or a value from the link, could carry `![t](https://evil.example/track.png)` (an
image every viewer's browser would fetch) or `[点此领取优惠](https://evil.example/phish)` (a
link).  Every such value passes through `plain` before it is put into Markdown; a test
renders every page's Markdown from a workspace full of payloads and finds no live link.
"""

from __future__ import annotations

import string

# CommonMark lets a backslash escape any ASCII punctuation, and an escaped character is
# always literal: escaping all of it is simpler and safer than choosing the dangerous ones.
_SPECIAL = frozenset(string.punctuation)


def plain(value: object) -> str:
    """The text of `value`, every Markdown character escaped; line breaks become spaces."""
    text = " ".join(str(value).splitlines()) if value is not None else ""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
