"""Which platform an export comes from, and the currency of its money columns.

A load carries one platform (淘宝/天猫, 京东, 拼多多, 抖店, 1688, Shopify …) and one
default currency; the owner can change both on the Data page.  The platform is read
from the layout: two or more headers only one platform writes decide first (a file name
is whatever the owner saved it as: 抖店 names its downloads by a timestamp, which may
hold "1688", and any platform's file may be called orders_export.csv); then words in the
file name (生意参谋 and 千牛 name their downloads); then a single such header.  Nothing
found means no platform (shown as 未标明).
"""

from __future__ import annotations

import re

from shopsight.i18n import t
from shopsight.ingest import synonyms

TAOBAO, JD, PDD, DOUYIN, ALIBABA, SHOPIFY = "淘宝/天猫", "京东", "拼多多", "抖店", "1688", "Shopify"
PLATFORMS: tuple[str, ...] = (
    TAOBAO,
    JD,
    PDD,
    DOUYIN,
    ALIBABA,
    SHOPIFY,
    "TikTok Shop",
    "小红书",
    "WooCommerce",
    "Amazon",
)
# how the English pages name them (the data keeps the Chinese names)
_ENGLISH = {
    TAOBAO: "Taobao/Tmall",
    JD: "JD.com",
    PDD: "Pinduoduo",
    DOUYIN: "Douyin Shop",
    "小红书": "Xiaohongshu",
}
DEFAULT_CURRENCY = "CNY"
CURRENCIES: tuple[str, ...] = (
    "CNY",
    "USD",
    "HKD",
    "EUR",
    "GBP",
    "JPY",
    "THB",
    "SGD",
    "AUD",
    "CAD",
    "TWD",
    "MYR",
    "KRW",
)

# words in a file name -> platform (checked in this order, lower-cased)
_NAME_WORDS: tuple[tuple[str, str], ...] = (
    ("shopify", SHOPIFY),
    ("1688", ALIBABA),
    ("询盘", ALIBABA),
    ("京东", JD),
    ("jd_", JD),
    ("拼多多", PDD),
    ("pdd", PDD),
    ("抖店", DOUYIN),
    ("抖音", DOUYIN),
    ("tiktok", "TikTok Shop"),
    ("生意参谋", TAOBAO),
    ("千牛", TAOBAO),
    ("淘宝", TAOBAO),
    ("天猫", TAOBAO),
    ("exportorderlist", TAOBAO),
    ("exportorderdetaillist", TAOBAO),
    ("直通车", TAOBAO),
    ("万相台", TAOBAO),
    ("orders_export", SHOPIFY),  # Shopify's download name, but generic: last
)

# headers only one platform writes (folded by synonyms.header_key)
_HEADER_WORDS: dict[str, tuple[str, ...]] = {
    SHOPIFY: (
        "financial status",
        "lineitem name",
        "lineitem quantity",
        "lineitem price",
        "fulfillment status",
    ),
    PDD: ("商家实收金额", "多多支付立减金额", "拼单成功时间", "用户实付金额", "平台优惠折扣"),
    DOUYIN: ("选购商品", "达人昵称", "达人id", "流量体裁", "订单应付金额", "商家应收金额"),
    JD: (
        "京东价",
        "商家sku",
        "成交客户数",
        "成交商品件数",
        "加购客户数",
        "父单号",
        "下单帐号",
        "付款确认时间",
    ),
    TAOBAO: (
        "买家会员名",
        "宝贝标题",
        "买家实际支付金额",
        "买家实付金额",
        "宝贝种类",
        "宝贝总数量",
        "买家应付货款",
        "宝贝id",
    ),
}

_CURRENCY_WORDS = {
    "人民币": "CNY",
    "元": "CNY",
    "rmb": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "美元": "USD",
    "us$": "USD",
    "$": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "€": "EUR",
    "英镑": "GBP",
    "£": "GBP",
    "日元": "JPY",
    "泰铢": "THB",
    "฿": "THB",
    "新台币": "TWD",
}


def _name_pattern(word: str) -> re.Pattern[str]:
    # a number counts only on its own, not inside a longer one ("1688" in a timestamp), and
    # a short Latin word not inside a longer word ("pdd"); longer words are names wherever
    # they stand (tiktokshop, ExportOrderList202611…)
    def edge(ch: str) -> str:
        if ch.isdigit():
            return "0-9"
        return "a-z" if "a" <= ch <= "z" and len(word) <= 4 else ""

    first, last = edge(word[0]), edge(word[-1])
    before = rf"(?<![{first}])" if first else ""
    after = rf"(?![{last}])" if last else ""
    return re.compile(before + re.escape(word) + after)


_NAME_PATTERNS = tuple((_name_pattern(word), platform) for word, platform in _NAME_WORDS)


def detect(headers: list[str], filename: str, kind: str | None = None) -> str | None:
    """The platform the layout names, or None."""
    folded = {synonyms.header_key(h) for h in headers if h}
    best, hits = None, 0
    for platform, words in _HEADER_WORDS.items():
        n = sum(1 for w in words if synonyms.header_key(w) in folded)
        if n > hits:
            best, hits = platform, n
    if hits >= 2:
        return best
    name = filename.lower()
    for pattern, platform in _NAME_PATTERNS:
        if pattern.search(name):
            return platform
    if best is None and kind == "inquiries":
        return ALIBABA  # 询盘 logs are 1688's
    return best


def label(platform: str | None, lang: str) -> str:
    """A platform as a page names it; rows without one are 未标明 / Not set."""
    if not platform:
        return t("data.platform_none", lang)
    return _ENGLISH.get(platform, platform) if lang == "en" else platform


def normalize_currency(value: str | None) -> str | None:
    """An ISO code from what a file writes (usd, 人民币, ¥); None for no value."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return _CURRENCY_WORDS.get(text.lower(), text.upper()[:8])
