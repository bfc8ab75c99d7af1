import pytest

from shopsight.geo.names import (
    ADDRESS_HEAD,
    NULL_KEYS,
    PROVINCES,
    SINGLE_CITY,
    alias_key,
    alias_pairs,
    cities_by_province,
    city_province,
    city_stem,
    is_province,
    normalize_city,
    normalize_province,
    split_address,
)

# Written out by hand (not derived from PROVINCES) so a typo in the table is caught.
# full name, short name, English/pinyin, ISO 3166-2:CN code
UNITS = [
    ("北京市", "北京", "Beijing", "BJ"),
    ("天津市", "天津", "Tianjin", "TJ"),
    ("河北省", "河北", "Hebei", "HE"),
    ("山西省", "山西", "Shanxi", "SX"),
    ("内蒙古自治区", "内蒙古", "Inner Mongolia", "NM"),
    ("辽宁省", "辽宁", "Liaoning", "LN"),
    ("吉林省", "吉林", "Jilin", "JL"),
    ("黑龙江省", "黑龙江", "Heilongjiang", "HL"),
    ("上海市", "上海", "Shanghai", "SH"),
    ("江苏省", "江苏", "Jiangsu", "JS"),
    ("浙江省", "浙江", "Zhejiang", "ZJ"),
    ("安徽省", "安徽", "Anhui", "AH"),
    ("福建省", "福建", "Fujian", "FJ"),
    ("江西省", "江西", "Jiangxi", "JX"),
    ("山东省", "山东", "Shandong", "SD"),
    ("河南省", "河南", "Henan", "HA"),
    ("湖北省", "湖北", "Hubei", "HB"),
    ("湖南省", "湖南", "Hunan", "HN"),
    ("广东省", "广东", "Guangdong", "GD"),
    ("广西壮族自治区", "广西", "Guangxi", "GX"),
    ("海南省", "海南", "Hainan", "HI"),
    ("重庆市", "重庆", "Chongqing", "CQ"),
    ("四川省", "四川", "Sichuan", "SC"),
    ("贵州省", "贵州", "Guizhou", "GZ"),
    ("云南省", "云南", "Yunnan", "YN"),
    ("西藏自治区", "西藏", "Tibet", "XZ"),
    ("陕西省", "陕西", "Shaanxi", "SN"),
    ("甘肃省", "甘肃", "Gansu", "GS"),
    ("青海省", "青海", "Qinghai", "QH"),
    ("宁夏回族自治区", "宁夏", "Ningxia", "NX"),
    ("新疆维吾尔自治区", "新疆", "Xinjiang", "XJ"),
    ("台湾省", "台湾", "Taiwan", "TW"),
    ("香港特别行政区", "香港", "Hong Kong", "HK"),
    ("澳门特别行政区", "澳门", "Macau", "MO"),
]


def test_table_has_the_34_units():
    assert len(UNITS) == 34
    assert list(PROVINCES) == [u[0] for u in UNITS]
    assert all(is_province(u[0]) for u in UNITS)


@pytest.mark.parametrize(("full", "short", "en", "iso"), UNITS)
def test_every_unit_in_every_spelling(full, short, en, iso):
    spellings = [
        full,
        short,
        f" {full} ",
        f"{short}\u3000",  # full-width space from Excel
        en,
        en.upper(),
        en.lower().replace(" ", ""),
        iso,
        iso.lower(),
        f"CN-{iso}",
        f"cn-{iso.lower()}",
        "".join(chr(ord(c) + 0xFEE0) for c in iso),  # full-width ＧＤ
        PROVINCES[full].adcode,
    ]
    for raw in spellings:
        assert normalize_province(raw) == full, raw
    assert PROVINCES[full].short == short
    assert PROVINCES[full].iso == iso


@pytest.mark.parametrize(
    ("raw", "full"),
    [
        ("内蒙", "内蒙古自治区"),
        ("Nei Mongol", "内蒙古自治区"),
        ("Inner Mongolia Autonomous Region", "内蒙古自治区"),
        ("广西壮族", "广西壮族自治区"),
        ("广西自治区", "广西壮族自治区"),
        ("广西省", "广西壮族自治区"),
        ("Guangxi Zhuang Autonomous Region", "广西壮族自治区"),
        ("宁夏回族", "宁夏回族自治区"),
        ("宁夏自治区", "宁夏回族自治区"),
        ("新疆维吾尔", "新疆维吾尔自治区"),
        ("新疆自治区", "新疆维吾尔自治区"),
        ("Xinjiang Uygur Autonomous Region", "新疆维吾尔自治区"),
        ("西藏", "西藏自治区"),
        ("Xizang", "西藏自治区"),
        ("Tibet Autonomous Region", "西藏自治区"),
        ("Macao", "澳门特别行政区"),
        ("Macao SAR", "澳门特别行政区"),
        ("澳門", "澳门特别行政区"),
        ("Hong Kong SAR", "香港特别行政区"),
        ("中国香港", "香港特别行政区"),
        ("香港特区", "香港特别行政区"),
        ("台灣", "台湾省"),
        ("Guangdong Province", "广东省"),
        ("guangdong sheng", "广东省"),
        ("Beijing Shi", "北京市"),
        ("Shanghai Municipality", "上海市"),
        ("Peking", "北京市"),
        ("广东 省", "广东省"),
        ("ＧＵＡＮＧＤＯＮＧ", "广东省"),
        ("CN-44", "广东省"),
        (440000, "广东省"),
        (440000.0, "广东省"),
    ],
)
def test_variant_spellings(raw, full):
    assert normalize_province(raw) == full


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "\u3000",
        "****",
        "*",
        "**",
        "-",
        "--",
        "未知",
        "null",
        "NULL",
        "None",
        "nan",
        float("nan"),
        "N/A",
        "其他",
        "其它",
        "不详",
        "暂无",
        "unknown",
    ],
)
def test_blank_and_masked_values_are_none(raw):
    assert normalize_province(raw) is None


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("海外", "海外"),
        (" California ", "California"),
        ("广东深圳", "广东深圳"),
        ("火星省", "火星省"),
    ],
)
def test_unmatched_names_are_kept_stripped(raw, kept):
    assert normalize_province(raw) == kept
    assert not is_province(kept)


def test_masked_suffix_still_matches():
    assert normalize_province("广东省****") == "广东省"


def test_alias_key():
    assert alias_key(" ＧＤ ") == "gd"
    assert alias_key("CN-GD") == "cngd"
    assert alias_key("Nei Mongol") == "neimongol"
    assert alias_key("广东　省") == "广东省"
    assert alias_key("****") == ""


def test_alias_pairs_agree_with_normalize_province():
    pairs = alias_pairs()
    table = dict(pairs)
    assert len(table) == len(pairs)  # no key maps to two provinces
    assert set(table.values()) == set(PROVINCES)
    assert table["gd"] == "广东省"
    assert table["neimongol"] == "内蒙古自治区"
    assert table["广西"] == "广西壮族自治区"
    for key, full in pairs:
        assert alias_key(key) == key
        assert normalize_province(key) == full
    # The three-way rule documented for SQL joins reproduces normalize_province.
    for raw in ["Guangdong", "****", "海外", " 北京 ", "未知"]:
        key = alias_key(raw)
        expected = None if key in NULL_KEYS else table.get(key, raw.strip())
        assert normalize_province(raw) == expected


# ------------------------------------------------------------------------------------ cities


def test_cities_data():
    cities = cities_by_province()
    assert list(cities) == list(PROVINCES)
    assert sum(len(c) for c in cities.values()) == 370
    assert "深圳市" in cities["广东省"]
    assert "苏州市" in cities["江苏省"]
    assert cities["北京市"] == ("北京市",)
    for unit in SINGLE_CITY:
        assert cities[unit] == (unit,)
    assert len(SINGLE_CITY) == 7


def test_city_stems_unique_within_each_province():
    for prov, cities in cities_by_province().items():
        stems = [city_stem(c) for c in cities]
        assert len(set(stems)) == len(stems), prov
        assert all(len(s) >= 2 for s in stems)
    assert city_stem("恩施土家族苗族自治州") == "恩施"
    assert city_stem("博尔塔拉蒙古自治州") == "博尔塔拉"
    assert city_stem("西双版纳傣族自治州") == "西双版纳"
    assert city_stem("保亭黎族苗族自治县") == "保亭"
    assert city_stem("阿克苏地区") == "阿克苏"
    assert city_stem("锡林郭勒盟") == "锡林郭勒"
    assert city_stem("神农架林区") == "神农架"


@pytest.mark.parametrize(
    ("province", "raw", "city"),
    [
        ("广东省", "深圳", "深圳市"),
        ("广东", "深圳市", "深圳市"),
        ("GD", " 广州 ", "广州市"),
        ("江苏省", "苏州", "苏州市"),
        ("湖北省", "恩施州", "恩施土家族苗族自治州"),
        ("湖北省", "恩施", "恩施土家族苗族自治州"),
        ("吉林省", "延边", "延边朝鲜族自治州"),
        ("内蒙古", "锡林郭勒", "锡林郭勒盟"),
        ("新疆", "吐鲁番地区", "吐鲁番市"),  # a prefecture renamed to a city
        ("山东省", "莱芜市", "济南市"),  # merged into 济南 in 2019
        ("湖北省", "襄樊", "襄阳市"),
        ("吉林省", "吉林", "吉林市"),
        ("青海省", "海南", "海南藏族自治州"),
        ("北京市", "北京市", "北京市"),
        ("北京", "朝阳区", "北京市"),  # municipalities are one unit on the map
        ("上海市", "浦东新区", "上海市"),
        ("香港", "九龙", "香港特别行政区"),
        (None, "深圳", "深圳市"),  # unique in the country
        (None, "苏州市", "苏州市"),
        ("广东省", "****", None),
        ("广东省", "", None),
        ("广东省", None, None),
        ("湖北省", "市辖区", None),
        ("广东省", " 不存在市 ", "不存在市"),  # unmatched kept as is
        ("江苏省", "深圳", "深圳"),  # not a city of that province: kept, not moved
        # English, as Shopify and other international exports write cities
        ("Guangdong", "Shenzhen", "深圳市"),
        ("GD", "Shenzhen City", "深圳市"),
        (None, "shenzhen shi", "深圳市"),
        ("Fujian", "Fuzhou", "福州市"),  # Fuzhou is also 抚州 in Jiangxi: the province decides
        ("Jiangxi", "Fuzhou", "抚州市"),
        (None, "Fuzhou", "Fuzhou"),  # ambiguous without a province: kept
        ("Zhejiang", "Taizhou", "台州市"),
        ("Jiangsu", "Taizhou", "泰州市"),
        ("Shaanxi", "Xi'an", "西安市"),
        ("Shanxi", "Changzhi", "长治市"),  # 长 read chang here, not zhang
        ("Heilongjiang", "Harbin", "哈尔滨市"),
        ("Xinjiang", "Urumqi", "乌鲁木齐市"),
        ("Xinjiang", "Kashgar", "喀什地区"),
        ("Inner Mongolia", "Hohhot", "呼和浩特市"),
        ("Guangdong", "Dongguan", "东莞市"),
        ("Shanghai", "Pudong", "上海市"),
        ("Guangdong", "Springfield", "Springfield"),
    ],
)
def test_normalize_city(province, raw, city):
    assert normalize_city(province, raw) == city


def test_city_province():
    assert city_province("深圳市") == "广东省"
    assert city_province("北京市") == "北京市"
    assert city_province("深圳") is None


# --------------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("广东省 深圳市 南山区 粤海街道科技园1号", ("广东省", "深圳市")),
        ("北京 北京市 朝阳区 建国路88号", ("北京市", "北京市")),
        ("上海 上海市 浦东新区 张江路1号", ("上海市", "上海市")),
        ("天津 天津市 南开区 xx路", ("天津市", "天津市")),
        ("重庆 重庆市 渝北区 xx路", ("重庆市", "重庆市")),
        ("内蒙古自治区 呼和浩特市 赛罕区 xx路", ("内蒙古自治区", "呼和浩特市")),
        ("广西壮族自治区 南宁市 青秀区 xx路", ("广西壮族自治区", "南宁市")),
        ("新疆维吾尔自治区 乌鲁木齐市 天山区", ("新疆维吾尔自治区", "乌鲁木齐市")),
        ("宁夏回族自治区 银川市 兴庆区", ("宁夏回族自治区", "银川市")),
        ("西藏自治区 拉萨市 城关区", ("西藏自治区", "拉萨市")),
        ("江苏省 南京市 建邺区 沙洲街道****", ("江苏省", "南京市")),
        ("广东省深圳市南山区科技园", ("广东省", "深圳市")),
        ("上海上海市浦东新区世纪大道1号", ("上海市", "上海市")),
        ("北京市朝阳区建国路", ("北京市", "北京市")),
        ("广东深圳南山区科技园", ("广东省", "深圳市")),
        ("浙江杭州市西湖区", ("浙江省", "杭州市")),
        ("湖北省恩施州恩施市", ("湖北省", "恩施土家族苗族自治州")),
        ("湖北省 省直辖县级行政区划 仙桃市 xx镇", ("湖北省", "仙桃市")),
        ("青海省海南藏族自治州共和县", ("青海省", "海南藏族自治州")),
        ("吉林省吉林市船营区", ("吉林省", "吉林市")),
        ("中国 浙江省 杭州市 西湖区", ("浙江省", "杭州市")),
        ("香港 九龙 油尖旺区", ("香港特别行政区", "香港特别行政区")),
        ("广东省　深圳市　福田区", ("广东省", "深圳市")),  # full-width spaces
        ("深圳市南山区科技园", ("广东省", "深圳市")),  # no province, city unique
        ("新疆维吾尔自治区 胡杨市 xx路", ("新疆维吾尔自治区", "胡杨市")),  # unknown city kept
        ("广东省 南山区 科技园", ("广东省", None)),  # no city given: district is not one
        ("江苏省", ("江苏省", None)),
        ("北京路123号", (None, None)),  # a street named after a province
        ("中山路1号", (None, None)),  # a street named after a city
        ("朝阳区建国路", (None, None)),
        ("abc def", (None, None)),
        ("12345", (None, None)),
        ("****", (None, None)),
        ("", (None, None)),
        ("   ", (None, None)),
        (None, (None, None)),
        (float("nan"), (None, None)),
    ],
)
def test_split_address(address, expected):
    assert split_address(address) == expected


def test_split_address_never_returns_street_text():
    street = "沙洲街道幸福里小区3幢501室"
    for address in (f"江苏省 南京市 {street}", f"江苏省 {street}", f"江苏省{street}", street):
        for part in split_address(address):
            assert part is None or (street not in part and "街道" not in part)


def test_split_address_reads_only_the_head():
    address = "广东省 深圳市 南山区 " + "很长的详细地址" * 20
    assert split_address(address) == split_address(address[:ADDRESS_HEAD])


def test_sample_addresses_from_the_demo_export():
    # First tokens as the demo order export writes them (municipalities without 市).
    for token, full in [
        ("北京", "北京市"),
        ("上海", "上海市"),
        ("天津", "天津市"),
        ("重庆", "重庆市"),
    ]:
        assert split_address(f"{token} {full} 某区 人民路1号") == (full, full)
