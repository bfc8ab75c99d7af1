"""Money in several currencies: never added up silently.

The owner may enter exchange rates to CNY (a workspace setting, shown on the Data
page); amounts per currency are then converted and added, else they stay apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from shopsight import numbers

FX_SETTING = "fx_rates"  # workspace setting: {"USD": 7.1, ...}, CNY per unit
BASE = "CNY"


def shown(codes: list[str]) -> str | None:
    """The one currency money is shown in when the rows hold several (CNY when loaded, else
    the first), so that amounts are never added across currencies; None when there is
    at most one (nothing to keep apart)."""
    if len(codes) <= 1:
        return None
    return BASE if BASE in codes else sorted(codes)[0]


def convert(
    amounts: Mapping[str | None, float], rates: Mapping[str, float]
) -> tuple[float | None, list[str]]:
    """(the amounts in CNY added up, or None; the currencies that have no rate).
    A row with no currency is CNY (the default of every load)."""
    total, missing = 0.0, []
    for code, amount in amounts.items():
        code = code or BASE
        if amount is None:
            continue
        if code == BASE:
            total += float(amount)
        elif rates.get(code):
            total += float(amount) * float(rates[code])
        else:
            missing.append(code)
    return (None if missing else total), sorted(missing)


def amounts_text(amounts: Mapping[str | None, float], lang: str) -> str:
    """'¥12,345.00 + US$1,234.50': each currency with its own symbol."""
    return " + ".join(
        numbers.fmt_money(v, lang, currency=c or BASE)
        for c, v in sorted(amounts.items(), key=lambda kv: (kv[0] or BASE) != BASE)
    )


def rates_text(rates: Mapping[str, float], codes: list[str]) -> str:
    return "、".join(f"1 {c} = {rates[c]:g} {BASE}" for c in codes if c in rates)
