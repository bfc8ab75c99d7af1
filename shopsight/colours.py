"""The one colour language for good and bad news: rises and falls on cards, charts, tables
and verdicts.

Two conventions, one per language by default and switchable in the sidebar:
- red_up (中文): red is a rise / good news and green a fall, as 生意参谋 and Chinese market
  screens show them;
- green_up (English): green is good news and red bad news.
A rise of a metric where a rise is bad news (退款率, 访客成本) is bad news in both.
"""

from __future__ import annotations

from dataclasses import dataclass

RED = "#e4393c"
GREEN = "#2e9f5e"
CONVENTIONS = ("red_up", "green_up")
DEFAULT = {"zh": "red_up", "en": "green_up"}


@dataclass(frozen=True)
class Palette:
    good: str  # a rise of a good-up metric, a winning variant
    bad: str


PALETTES = {"red_up": Palette(good=RED, bad=GREEN), "green_up": Palette(good=GREEN, bad=RED)}


def default_for(lang: str) -> str:
    return DEFAULT.get(lang, "red_up")


def parse(value: object) -> str | None:
    return value if value in CONVENTIONS else None


def palette(convention: str) -> Palette:
    return PALETTES[convention]


def delta_color(better: str, convention: str) -> str:
    """st.metric's delta_color for a metric whose good direction is `better` ("up"/"down").

    Streamlit's "normal" draws a positive delta green and a negative one red, "inverse" the
    other way round."""
    p = palette(convention)
    rise = p.good if better == "up" else p.bad
    return "normal" if rise == GREEN else "inverse"
