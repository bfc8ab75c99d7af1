"""How wide a text is drawn, roughly, to fit labels where nothing wraps them (chart legends,
the report's SVG bar labels): a CJK character is about as wide as the font is high, other
characters a little more than half of it."""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"


def px(text: object, font_px: float = 12) -> float:
    return sum(
        font_px if unicodedata.east_asian_width(c) in "WF" else font_px * 7 / 12 for c in str(text)
    )


def clip(text: object, max_px: float, font_px: float = 12) -> str:
    """`text`, or as much of it as fits in `max_px` followed by an ellipsis."""
    text = str(text)
    if px(text, font_px) <= max_px:
        return text
    room, out = max_px - px(ELLIPSIS, font_px), ""
    for c in text:
        if px(out + c, font_px) > room:
            break
        out += c
    return out + ELLIPSIS
