"""What a reader must not see on a page: None / nan left by a missing value, and English in
the Chinese UI beyond the names and units operators use as they are.  Shared by the
AppTest and browser checks."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words the Chinese UI may show: units and metric names operators use as they are, formats,
# brand and method names, and the language switch's own "English".
ZH_ALLOWED = {
    "UV",
    "PV",
    "ROI",
    "GMV",
    "SKU",
    "ID",
    "KPI",
    "PC",
    "App",
    "pt",
    "CSV",
    "Excel",
    "XLSX",
    "XLS",
    "HTML",
    "Shopify",
    "RFM",
    "ABC",
    "MAE",
    "MAPE",
    "Wilson",
    "Holm",
    "Beta",
    "English",
    "Customer",  # Shopify's "Customer ID" header, named as the file has it
    "Johari",
    "Howard",
    "SPRT",  # the sequential test's authors and name, as cited
}
NULLISH = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|undefined|null|Infinity|inf)(?![A-Za-z])")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff]")


def nullish(texts: Iterable[str]) -> list[str]:
    return sorted({m for text in texts for m in NULLISH.findall(text)})


def english_words(texts: Iterable[str], data_words: Iterable[str] = ()) -> set[str]:
    """Latin words outside the allow-list; a word of the data (a file or product name), or
    the start of one cut short on screen (ExportOrderLi…), is the data's, not the UI's."""
    data_words = set(data_words)
    found = set()
    for text in texts:
        for word in WORD.findall(text):
            if (
                word in ZH_ALLOWED
                or NULLISH.fullmatch(word)  # the latter told apart
                or any(d.startswith(word) for d in data_words)
            ):
                continue
            found.add(word)
    return found
