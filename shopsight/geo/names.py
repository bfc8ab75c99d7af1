"""China region names: the one place where province and city names are normalised.

Provinces are the 34 provincial units under their full official names (广东省, 内蒙古自治区,
北京市, 香港特别行政区, 台湾省 …). Every spelling seen in exports maps to that name: short
names with or without 省/市/自治区/壮族/回族/维吾尔, pinyin and English names (Guangdong,
Inner Mongolia, Nei Mongol, Tibet, Macao …, optionally with Province/Shi/SAR…), ISO 3166-2:CN
codes (GD, CN-GD — Shopify's Shipping Province codes) and adcodes (440000).

Decisions:
- A value that says "no region" normalises to None: blank, masked (`****`, `*`), `-`, `--`,
  未知, 不详, 暂无, 无, null/none/nan/n/a, unknown, 其他/其它/other. 其他 carries no place
  either, so it joins the unknown bucket rather than being listed as an unmatched name.
- Any other unrecognised value is kept as the stripped original (海外, a typo, a foreign region)
  so pages can list it; nothing is dropped silently.
- Bare two-letter codes (GD, SC) are decided per column, by normalize_province_column: SC is
  四川省 in a column of Chinese codes and stays SC in a US export (South Carolina).
- Cities are the 370 prefecture-level units of the boundary data (cities.json, built by
  scripts/build_geo.py). Municipalities, the SARs and 台湾省 are one unit each, so their city is
  the unit itself: normalize_city("北京市", "朝阳区") == "北京市", and `北京 北京市 朝阳区`
  splits to ("北京市", "北京市"). That keeps every city value joinable to the city map.

Normalising a column in SQL instead of a Python loop: compute `alias_key` for the distinct
values, then look keys up in `alias_pairs()`; a key in NULL_KEYS means NULL, a key not in the
table means keep the original. This is exactly what normalize_province does.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Province:
    name: str  # full official name, the canonical value everywhere
    short: str  # 广东, 内蒙古, 香港
    iso: str  # ISO 3166-2:CN subdivision code without the CN- prefix
    adcode: str  # GB/T 2260 code, as in the boundary files
    kind: str  # province | municipality | autonomous_region | sar
    en: tuple[str, ...]  # English/pinyin names; the first is the display name
    zh: tuple[str, ...] = ()  # further Chinese spellings seen in the wild


def _p(name, short, iso, adcode, kind, en, zh=()) -> Province:
    return Province(name, short, iso, adcode, kind, tuple(en), tuple(zh))


_P, _M, _A, _S = "province", "municipality", "autonomous_region", "sar"

# fmt: off
PROVINCES: dict[str, Province] = {
    p.name: p
    for p in (
        _p("北京市", "北京", "BJ", "110000", _M, ["Beijing", "Peking"]),
        _p("天津市", "天津", "TJ", "120000", _M, ["Tianjin", "Tientsin"]),
        _p("河北省", "河北", "HE", "130000", _P, ["Hebei"]),
        _p("山西省", "山西", "SX", "140000", _P, ["Shanxi"]),
        _p(
            "内蒙古自治区", "内蒙古", "NM", "150000", _A,
            ["Inner Mongolia", "Nei Mongol", "Neimenggu", "Nei Menggu", "Neimongol"],
            ["内蒙", "内蒙古省", "内蒙古区"],
        ),
        _p("辽宁省", "辽宁", "LN", "210000", _P, ["Liaoning"]),
        _p("吉林省", "吉林", "JL", "220000", _P, ["Jilin"]),
        _p("黑龙江省", "黑龙江", "HL", "230000", _P, ["Heilongjiang"]),
        _p("上海市", "上海", "SH", "310000", _M, ["Shanghai"]),
        _p("江苏省", "江苏", "JS", "320000", _P, ["Jiangsu"]),
        _p("浙江省", "浙江", "ZJ", "330000", _P, ["Zhejiang"]),
        _p("安徽省", "安徽", "AH", "340000", _P, ["Anhui"]),
        _p("福建省", "福建", "FJ", "350000", _P, ["Fujian"]),
        _p("江西省", "江西", "JX", "360000", _P, ["Jiangxi"]),
        _p("山东省", "山东", "SD", "370000", _P, ["Shandong"]),
        _p("河南省", "河南", "HA", "410000", _P, ["Henan"]),
        _p("湖北省", "湖北", "HB", "420000", _P, ["Hubei"]),
        _p("湖南省", "湖南", "HN", "430000", _P, ["Hunan"]),
        _p("广东省", "广东", "GD", "440000", _P, ["Guangdong"]),
        _p(
            "广西壮族自治区", "广西", "GX", "450000", _A, ["Guangxi", "Guangxi Zhuang"],
            ["广西壮族", "广西自治区", "广西省"],
        ),
        _p("海南省", "海南", "HI", "460000", _P, ["Hainan"]),
        _p("重庆市", "重庆", "CQ", "500000", _M, ["Chongqing", "Chungking"]),
        _p("四川省", "四川", "SC", "510000", _P, ["Sichuan", "Szechuan", "Szechwan"]),
        _p("贵州省", "贵州", "GZ", "520000", _P, ["Guizhou"]),
        _p("云南省", "云南", "YN", "530000", _P, ["Yunnan"]),
        _p("西藏自治区", "西藏", "XZ", "540000", _A, ["Tibet", "Xizang"], ["西藏省"]),
        _p("陕西省", "陕西", "SN", "610000", _P, ["Shaanxi"]),
        _p("甘肃省", "甘肃", "GS", "620000", _P, ["Gansu"]),
        _p("青海省", "青海", "QH", "630000", _P, ["Qinghai"]),
        _p(
            "宁夏回族自治区", "宁夏", "NX", "640000", _A, ["Ningxia", "Ningxia Hui"],
            ["宁夏回族", "宁夏自治区", "宁夏省"],
        ),
        _p(
            "新疆维吾尔自治区", "新疆", "XJ", "650000", _A,
            ["Xinjiang", "Xinjiang Uygur", "Xinjiang Uyghur", "Xinjiang Uighur", "Sinkiang"],
            ["新疆维吾尔", "新疆自治区", "新疆省", "新疆维吾尔族自治区"],
        ),
        _p(
            "台湾省", "台湾", "TW", "710000", _P, ["Taiwan"],
            ["台灣", "臺灣", "台灣省", "臺灣省", "中国台湾", "中國台灣"],
        ),
        _p(
            "香港特别行政区", "香港", "HK", "810000", _S, ["Hong Kong", "Hongkong", "HKSAR"],
            ["香港特区", "香港特別行政區", "中国香港", "中國香港"],
        ),
        _p(
            "澳门特别行政区", "澳门", "MO", "820000", _S, ["Macau", "Macao"],
            ["澳門", "澳门特区", "澳門特別行政區", "中国澳门", "中國澳門"],
        ),
    )
}
# fmt: on

# Units drawn as one city on the map: the city of any address inside them is the unit itself.
SINGLE_CITY = frozenset(
    p.name for p in PROVINCES.values() if p.kind in (_M, _S) or p.name == "台湾省"
)

_EN_SUFFIXES = {
    _P: ("province", "sheng"),
    _M: ("municipality", "shi", "city"),
    _A: ("autonomous region", "autonomousregion", "ar", "zizhiqu", "region"),
    _S: ("sar", "special administrative region", "sar china", "china"),
}

# Dropped by alias_key: whitespace (incl. zero-width), separators and mask characters.
_DROP = re.compile(r"[\s\u200b\ufeff\-_.,;:'\"’‘“”·•/\\*?()\[\]【】「」]+")

# fmt: off
NULL_KEYS = frozenset(
    {
        "", "未知", "不详", "未填写", "暂无", "无", "空", "其他", "其它", "其他地区", "其他区域",
        "未知地区", "未知区域", "未知省份",
        "null", "none", "nan", "na", "nil", "unknown", "other", "others",
    }
)
# fmt: on


def alias_key(raw: str) -> str:
    """The lookup key: NFKC (full-width folded), casefolded, no whitespace, punctuation or
    mask characters. `ＧＤ` → `gd`, `CN-GD` → `cngd`, ` 广东 省 ` → `广东省`, `****` → ``."""
    return _DROP.sub("", unicodedata.normalize("NFKC", raw).casefold())


def _province_spellings(p: Province) -> set[str]:
    names = {p.name, p.short, *p.zh}
    if p.kind == _A:
        names.add(p.short + "自治区")
    if p.kind == _S:
        names.add(p.short + "特别行政区")
    en = set(p.en)
    en |= {f"{e} {s}" for e in p.en for s in _EN_SUFFIXES[p.kind]}
    if p.name == "台湾省":
        en |= {"taiwan china", "taiwan province of china"}
    codes = {p.iso, f"CN-{p.iso}", f"CN{p.iso}", p.adcode, f"CN-{p.adcode[:2]}"}
    return names | en | codes


@cache
def _province_aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for p in PROVINCES.values():
        for spelling in _province_spellings(p):
            key = alias_key(spelling)
            if table.setdefault(key, p.name) != p.name:
                raise ValueError(f"alias {spelling!r} is ambiguous")
    return table


def alias_pairs() -> list[tuple[str, str]]:
    """(alias_key, full province name) for every recognised spelling, sorted by key."""
    return sorted(_province_aliases().items())


def _text(raw) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float):
        if raw != raw:  # NaN from pandas
            return None
        if raw.is_integer():
            raw = int(raw)  # 440000.0 read from Excel
    return raw if isinstance(raw, str) else str(raw)


def normalize_province(raw: str | None) -> str | None:
    """Full official name when recognised, None for blank/masked/unknown, else the stripped
    original (kept so it can be listed as unmatched)."""
    text = _text(raw)
    if text is None:
        return None
    key = alias_key(text)
    if key in NULL_KEYS:
        return None
    return _province_aliases().get(key) or text.strip()


# Bare two-letter ISO 3166-2:CN codes (GD, SC) are also other countries' subdivision codes:
# SC, HI, SD, NM and MO are US states too. A column is read as Chinese codes only when it
# holds no two-letter code outside China and at least one that only China uses, or when
# most of its distinct values are Chinese by a spelling that is not a bare code.
_BARE_CODE = re.compile(r"[a-z]{2}")
_US_STATE_CODES = frozenset({"hi", "mo", "nm", "sc", "sd"})  # those that are CN codes too


@cache
def _bare_cn_codes() -> frozenset[str]:
    return frozenset(p.iso.casefold() for p in PROVINCES.values())


def _reads_bare_codes(keys: Iterable[str]) -> bool:
    """Whether a column whose distinct values have these alias keys uses bare two-letter
    codes as Chinese provinces (see above)."""
    keys = {k for k in keys if k not in NULL_KEYS}
    bare = {k for k in keys if _BARE_CODE.fullmatch(k)}
    if not bare:
        return False
    codes = _bare_cn_codes()
    if bare <= codes and bare - _US_STATE_CODES:
        return True
    aliases = _province_aliases()
    chinese = sum(1 for k in keys if k not in bare and k in aliases)
    return chinese * 2 > len(keys)


def normalize_province_column(values: Iterable) -> dict:
    """normalize_province for a whole column, deciding bare two-letter codes once for the
    column: {raw value: normalised} for each distinct value. Where the column does not read
    as Chinese codes (a US Shopify export: CA, NY, SC), a bare code is kept as it is
    (stripped), like any unrecognised value, instead of becoming 四川省."""
    distinct = list(dict.fromkeys(values))
    keys = {raw: (None if _text(raw) is None else alias_key(_text(raw))) for raw in distinct}
    use_codes = _reads_bare_codes(k for k in keys.values() if k is not None)
    out = {}
    for raw, key in keys.items():
        if key is not None and not use_codes and _BARE_CODE.fullmatch(key):
            out[raw] = _text(raw).strip()
        else:
            out[raw] = normalize_province(raw)
    return out


def is_province(name: str | None) -> bool:
    """True for a full official province name (the normalised form)."""
    return name in PROVINCES


# ---------------------------------------------------------------------------------- cities

_ETHNIC = (
    "土家族|布依族|景颇族|傈僳族|哈尼族|朝鲜族|蒙古族|柯尔克孜|哈萨克|维吾尔|蒙古|"
    "苗族|傣族|藏族|羌族|白族|彝族|壮族|回族|侗族|黎族"
)
_AUTONOMOUS = re.compile(rf"^(.{{2,}}?)(?:{_ETHNIC})+自治(州|县)$")
_CITY_SUFFIX = re.compile(r"^(.{2,}?)(?:特别行政区|地区|林区|盟|市|县|省)$")

# Renamed or merged prefectures still found in old addresses.
_FORMER = {
    "山东省": {"莱芜": "济南市"},
    "湖北省": {"襄樊": "襄阳市"},
    "云南省": {"思茅": "普洱市"},
    "安徽省": {"巢湖": "合肥市"},
}

# Placeholders some address libraries put where the city should be.
_CITY_FILLERS = (
    "自治区直辖县级行政区划",
    "省直辖县级行政区划",
    "省直辖县级行政单位",
    "省直辖行政单位",
    "直辖县级",
    "市辖区",
)


def city_stem(name: str) -> str:
    """深圳市 → 深圳, 恩施土家族苗族自治州 → 恩施, 阿克苏地区 → 阿克苏, 兴安盟 → 兴安."""
    m = _AUTONOMOUS.match(name) or _CITY_SUFFIX.match(name)
    return m.group(1) if m else name


@cache
def cities_by_province() -> dict[str, tuple[str, ...]]:
    """Province full name → its city full names (from the boundary data), in adcode order."""
    with open(_HERE / "cities.json", encoding="utf-8") as f:
        return {p: tuple(cs) for p, cs in json.load(f).items()}


# English spellings pypinyin cannot give: the reading of a polyphonic character in a place
# name (长治 is Changzhi, not Zhangzhi), and the names used in English for places whose
# name is not Chinese (Harbin, Hohhot, Urumqi, Lhasa, Kashgar …).
_CITY_EN = {
    "长治市": ("changzhi",),
    "朝阳市": ("chaoyang",),
    "漯河市": ("luohe",),
    "吕梁市": ("luliang", "lvliang", "lüliang"),
    "昌都市": ("changdu", "qamdo", "chamdo"),
    "锡林郭勒盟": ("xilinguole", "xilingol"),
    "哈尔滨市": ("harbin",),
    "呼和浩特市": ("hohhot",),
    "鄂尔多斯市": ("ordos",),
    "乌鲁木齐市": ("urumqi", "urumchi"),
    "拉萨市": ("lhasa",),
    "日喀则市": ("shigatse", "xigaze"),
    "喀什地区": ("kashgar",),
    "和田地区": ("hotan", "khotan"),
    "伊犁哈萨克自治州": ("ili",),
    "阿勒泰地区": ("aletai", "altay"),
    "克孜勒苏柯尔克孜自治州": ("kezilesu", "kizilsu"),
    "博尔塔拉蒙古自治州": ("bortala",),
    "巴音郭楞蒙古自治州": ("bayingolin",),
    "西双版纳傣族自治州": ("xishuangbanna", "sipsongpanna"),
}
# "Shenzhen City", "Shenzhen Shi", "Aba Prefecture": the English level word is dropped
_EN_CITY_LEVEL = re.compile(r"(city|shi|prefecture|league|meng|diqu|zizhizhou)$")


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin  # only when a table is first built (0.1 s import)

    return "".join(lazy_pinyin(name, errors="ignore"))


def _english_spellings(city: str) -> set[str]:
    """Pinyin of the city's stem (深圳市 → shenzhen), plus _CITY_EN; alias_key form."""
    return {_pinyin(city_stem(city)), *_CITY_EN.get(city, ())} - {""}


@cache
def _city_tables() -> tuple[dict[str, dict[str, str]], dict[str, str], dict[str, str]]:
    """Per-province alias → city; the formal spellings (full names, 恩施州, 莱芜市) of each
    province; and the city → province map. Keys are alias_key form."""
    per: dict[str, dict[str, str]] = {}
    formal: dict[str, str] = {}
    owner: dict[str, str] = {}
    for prov, cities in cities_by_province().items():
        table: dict[str, str] = {}
        for city in cities:
            owner[city] = prov
            stem = city_stem(city)
            table[alias_key(city)] = city
            table.setdefault(alias_key(stem), city)
            formal[alias_key(city)] = city
            if city.endswith("自治州"):
                table[alias_key(stem + "州")] = city
                formal[alias_key(stem + "州")] = city
        for city in cities:  # after every Chinese spelling, which wins a clash
            for en in _english_spellings(city):
                table.setdefault(en, city)
        for old, city in _FORMER.get(prov, {}).items():
            table[old] = city
            table[old + "市"] = city
            formal[old + "市"] = city
        per[prov] = table
    return per, formal, owner


@cache
def _global_cities() -> dict[str, str]:
    """Alias → city for aliases that name one city only across the whole country."""
    seen: dict[str, set[str]] = {}
    for table in _city_tables()[0].values():
        for key, city in table.items():
            seen.setdefault(key, set()).add(city)
    return {key: next(iter(cs)) for key, cs in seen.items() if len(cs) == 1}


def city_province(city: str) -> str | None:
    """The province of a full city name from cities.json."""
    return _city_tables()[2].get(city)


def normalize_city(province_full: str | None, raw: str | None) -> str | None:
    """Full city name (深圳 → 深圳市, 恩施州 → 恩施土家族苗族自治州) within the province.

    None for blank/masked values and address placeholders (市辖区 …). For the single-unit
    provinces (municipalities, SARs, 台湾省) any other value gives the unit's own name. Without
    a known province, a name unique in the country is still recognised. Anything else is kept
    as the stripped original."""
    text = _text(raw)
    if text is None:
        return None
    key = alias_key(text)
    if key in NULL_KEYS or key in _CITY_FILLERS or key == "县":
        return None
    prov = normalize_province(province_full) if province_full else None
    if prov in SINGLE_CITY:
        return prov
    table = _city_tables()[0].get(prov) if prov else None
    if table is None:
        table = _global_cities()
    hit = table.get(key) or table.get(city_stem(key))
    if hit is None and key.isascii():
        hit = table.get(_EN_CITY_LEVEL.sub("", key))
    return hit or text.strip()


# -------------------------------------------------------------------------------- addresses

# Only this many leading characters of an address are read. Callers with many rows can take
# the distinct `left(address, ADDRESS_HEAD)` in SQL and split those: the result is the same.
ADDRESS_HEAD = 40

_COUNTRY = re.compile(r"^(?:中华人民共和国|中国|china)\s*", re.IGNORECASE)
_SEPARATORS = " \t,，、/|-"
# A short name (广东, 深圳) is taken as a place only if an admin-level word follows soon, so
# 北京路12号 or 中山路 are not read as 北京 / 中山市.
_LEVEL_AHEAD = re.compile(r"^[\u4e00-\u9fff]{1,8}?[省市区县州盟旗]")
_CITY_LIKE = re.compile(r"^[\u4e00-\u9fff]{2,12}(?:市|自治州|地区|盟)$")
_FORMAL_END = ("省", "市", "自治区", "特别行政区", "特別行政區", "特区")


@cache
def _zh_province_aliases() -> tuple[tuple[int, ...], dict[str, str]]:
    table = {k: v for k, v in _province_aliases().items() if re.search(r"[\u4e00-\u9fff]", k)}
    return tuple(sorted({len(k) for k in table}, reverse=True)), table


def _lengths(table: dict[str, str]) -> tuple[int, ...]:
    return tuple(sorted({len(k) for k in table}, reverse=True))


@cache
def _city_lengths(prov: str | None) -> tuple[int, ...]:
    return _lengths(_city_tables()[0][prov] if prov else _global_cities())


def _separated(rest: str) -> bool:
    return not rest or rest[0] in _SEPARATORS


def _is_formal(alias: str) -> bool:
    return alias.endswith(_FORMAL_END)


def _match_province(s: str) -> tuple[str | None, str]:
    lengths, table = _zh_province_aliases()
    for n in lengths:
        full = table.get(s[:n])
        if full is None:
            continue
        rest = s[n:]
        if (
            _is_formal(s[:n])
            or _separated(rest)
            or _LEVEL_AHEAD.match(rest)
            or _match_city(full, rest, strict=True)
        ):
            return full, rest
    return None, s


def _match_city(prov: str | None, rest: str, strict: bool = False) -> str | None:
    """City at the start of `rest`. strict: a bare stem (深圳) needs a separator after it."""
    rest = rest.lstrip(_SEPARATORS)
    for filler in _CITY_FILLERS:
        if rest.startswith(filler):
            rest = rest[len(filler) :].lstrip(_SEPARATORS)
    per, formal, _ = _city_tables()
    table = per[prov] if prov else _global_cities()
    for n in _city_lengths(prov):
        head = rest[:n]
        city = table.get(head)
        if city is None:
            continue
        after = rest[n:]
        if head in formal:
            return city
        # A bare stem needs a separator after it; inside a province an admin word ahead is
        # enough (广东深圳南山区), but not without one (朝阳区 is in 北京, not 朝阳市).
        if _separated(after) or (prov and not strict and _LEVEL_AHEAD.match(after)):
            return city
    return None


def split_address(address: str | None) -> tuple[str | None, str | None]:
    """(province full name, city full name) from a 收货地址; (None, None) when it names none.

    Reads `广东省 深圳市 南山区 …`, `北京 北京市 朝阳区 …`, masked `江苏省 南京市 … ****`,
    unspaced `广东省深圳市南山区…`, `上海上海市浦东新区…`, and a leading 中国. An unknown
    city token that looks like one (…市/…州/…地区/…盟) is kept; street text never is."""
    if not isinstance(address, str):
        return None, None
    s = unicodedata.normalize("NFKC", address[:ADDRESS_HEAD]).strip()
    s = _COUNTRY.sub("", s)
    if not s or alias_key(s) in NULL_KEYS:
        return None, None
    prov, rest = _match_province(s)
    if prov is None:
        city = _match_city(None, s, strict=True)
        return (city_province(city), city) if city else (None, None)
    if prov in SINGLE_CITY:
        return prov, prov
    city = _match_city(prov, rest)
    if city is None and _separated(rest):
        tokens = rest.split()
        if tokens and tokens[0] not in _CITY_FILLERS and _CITY_LIKE.match(tokens[0]):
            city = tokens[0]
    return prov, city
