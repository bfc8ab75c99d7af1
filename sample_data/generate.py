#!/usr/bin/env python3
"""Write the ShopSight demo shop: platform-layout export files plus truth.json.

A fictional menswear + womenswear Taobao shop, 90 days ending 2026-11-30 (双11 inside).
Everything starts from one generative ground truth held in memory (integer counts, money in
integer fen): traffic cells (day x device x source) produce paying buyers, buyers place orders,
order lines roll up into the daily product report and the 30-day region report. truth.json is
computed from that ground truth, never by reading the written files back.

Deterministic: fixed seeds, fixed dates and document timestamps. Run:

    python sample_data/generate.py            # rewrite the files beside this script
    python sample_data/generate.py OUT_DIR    # write them elsewhere

Needs numpy and xlsxwriter; the rest is the standard library.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import xlsxwriter

SEED = 20260902
SHOP = "栖木服饰旗舰店"
START = dt.date(2026, 9, 2)
END = dt.date(2026, 11, 30)
DAYS = [START + dt.timedelta(days=i) for i in range((END - START).days + 1)]
START_AT = dt.datetime.combine(START, dt.time(0, 0, 0))
END_AT = dt.datetime.combine(END, dt.time(23, 59, 59))
EXPORT_AT = dt.datetime(2026, 12, 1, 9, 5, 12)
NOV = (dt.date(2026, 11, 1), END)
DOUBLE11 = dt.date(2026, 11, 11)

F_TRAFFIC = "【生意参谋平台】店铺流量来源-2026-09-02_2026-11-30.csv"
F_PRODUCTS = "【生意参谋平台】商品_全部_2026-09-02_2026-11-30.xlsx"
# no canonical kind: kept in a subfolder so loaders that take every top-level file skip it
F_SKUS = "lookup/商品SKU成本库存表.csv"
F_ORDERS = "ExportOrderList202612010905.xlsx"
F_REGIONS = "【生意参谋平台】地域分布-2026-11-01_2026-11-30.csv"
F_IMAGE_TESTS = "主图测试记录.csv"
F_CREATIVES = "直通车创意报表_20261201_093015.csv"
F_INQUIRIES = "1688询盘统计_20260902-20261130.csv"
F_EVENTS = "埋点事件日志_202611.csv"


# ---------------------------------------------------------------------------------------------
# how the platforms print values


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


def fmt_int(n: int) -> str:
    return f"{n:,}"


def fmt_money(fen: int, sep: bool = True) -> str:
    whole, cents = divmod(abs(fen), 100)
    w = f"{whole:,}" if sep else str(whole)
    return f"{'-' if fen < 0 else ''}{w}.{cents:02d}"


def fmt_pct(num: float, den: float) -> str:
    return f"{num / den * 100:.2f}%" if den else "0.00%"


def fmt_change(cur: float, prev: float | None) -> str:
    """Sycm period-over-period cell: "+12.30%" / "-4.10%" / "-" when there is no base."""
    if not prev:
        return "-"
    return f"{(cur - prev) / prev * 100:+.2f}%"


def ratio(num: float, den: float, nd: int = 6) -> float | None:
    return round(num / den, nd) if den else None


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def slash_date(d: dt.date) -> str:
    return f"{d.year}/{d.month}/{d.day}"


def write_csv(path: Path, rows: list[list[object]], encoding: str, newline: str = "\r\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def new_workbook(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    # a fixed creation date makes the zip byte-identical between runs
    wb.set_properties({"created": EXPORT_AT, "author": "", "title": ""})
    return wb


# ---------------------------------------------------------------------------------------------
# regions: full official name, short name (生意参谋 地域), address token, weight, cities

PROVINCES = [
    (
        "广东省",
        "广东",
        "广东省",
        13.0,
        {"广州市": ["天河区", "白云区"], "深圳市": ["南山区", "宝安区"], "东莞市": ["南城街道"]},
    ),
    (
        "浙江省",
        "浙江",
        "浙江省",
        10.5,
        {"杭州市": ["西湖区", "余杭区"], "宁波市": ["鄞州区"], "温州市": ["鹿城区"]},
    ),
    (
        "江苏省",
        "江苏",
        "江苏省",
        10.0,
        {"南京市": ["建邺区", "鼓楼区"], "苏州市": ["吴中区"], "无锡市": ["梁溪区"]},
    ),
    ("山东省", "山东", "山东省", 6.5, {"济南市": ["历下区"], "青岛市": ["市南区", "黄岛区"]}),
    ("上海市", "上海", "上海", 5.2, {"上海市": ["浦东新区", "闵行区", "徐汇区"]}),
    ("河南省", "河南", "河南省", 5.0, {"郑州市": ["金水区", "二七区"]}),
    ("北京市", "北京", "北京", 4.6, {"北京市": ["朝阳区", "海淀区", "丰台区"]}),
    ("四川省", "四川", "四川省", 4.5, {"成都市": ["武侯区", "锦江区"]}),
    ("福建省", "福建", "福建省", 4.4, {"福州市": ["鼓楼区"], "厦门市": ["思明区"]}),
    ("湖北省", "湖北", "湖北省", 3.8, {"武汉市": ["洪山区", "江汉区"]}),
    ("河北省", "河北", "河北省", 3.7, {"石家庄市": ["长安区"], "保定市": ["竞秀区"]}),
    ("湖南省", "湖南", "湖南省", 3.5, {"长沙市": ["岳麓区", "雨花区"]}),
    ("安徽省", "安徽", "安徽省", 3.4, {"合肥市": ["蜀山区", "包河区"]}),
    ("辽宁省", "辽宁", "辽宁省", 2.4, {"沈阳市": ["和平区"], "大连市": ["甘井子区"]}),
    ("陕西省", "陕西", "陕西省", 2.2, {"西安市": ["雁塔区", "未央区"]}),
    ("江西省", "江西", "江西省", 2.2, {"南昌市": ["红谷滩区"]}),
    ("广西壮族自治区", "广西", "广西壮族自治区", 2.1, {"南宁市": ["青秀区"], "桂林市": ["七星区"]}),
    ("重庆市", "重庆", "重庆", 2.0, {"重庆市": ["渝北区", "江北区"]}),
    ("云南省", "云南", "云南省", 1.8, {"昆明市": ["五华区"]}),
    ("天津市", "天津", "天津", 1.6, {"天津市": ["南开区", "河西区"]}),
    ("山西省", "山西", "山西省", 1.6, {"太原市": ["小店区"]}),
    ("黑龙江省", "黑龙江", "黑龙江省", 1.4, {"哈尔滨市": ["南岗区"]}),
    ("贵州省", "贵州", "贵州省", 1.3, {"贵阳市": ["观山湖区"]}),
    ("吉林省", "吉林", "吉林省", 1.1, {"长春市": ["朝阳区"]}),
    (
        "内蒙古自治区",
        "内蒙古",
        "内蒙古自治区",
        1.0,
        {"呼和浩特市": ["赛罕区"], "包头市": ["昆都仑区"]},
    ),
    ("新疆维吾尔自治区", "新疆", "新疆维吾尔自治区", 0.8, {"乌鲁木齐市": ["天山区"]}),
    ("甘肃省", "甘肃", "甘肃省", 0.8, {"兰州市": ["城关区"]}),
    ("海南省", "海南", "海南省", 0.7, {"海口市": ["龙华区"]}),
    ("宁夏回族自治区", "宁夏", "宁夏回族自治区", 0.35, {"银川市": ["兴庆区"]}),
    ("青海省", "青海", "青海省", 0.22, {"西宁市": ["城西区"]}),
    ("西藏自治区", "西藏", "西藏自治区", 0.1, {"拉萨市": ["城关区"]}),
]
SHORT_OF = {p[0]: p[1] for p in PROVINCES}
REMOTE = {"新疆维吾尔自治区", "西藏自治区", "青海省"}  # these pay shipping (非包邮地区)
SHIPPING_FEN = 1800
PROV_W = np.array([p[3] for p in PROVINCES]) / sum(p[3] for p in PROVINCES)

ROADS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "长江路",
    "新华路",
    "和平路",
    "学府路",
    "科技路",
    "滨河路",
    "友谊路",
    "光明街",
    "青年路",
    "东风路",
    "胜利街",
    "花园路",
    "振兴路",
]
ESTATES = [
    "阳光花园",
    "锦绣家园",
    "翠湖小区",
    "金色港湾",
    "华府公寓",
    "东方名苑",
    "世纪新城",
    "幸福里",
    "绿地中心",
    "万科城",
    "碧桂园",
    "保利花园",
    "湖畔雅苑",
    "星河湾",
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "军",
    "洋",
    "婷",
    "杰",
    "涛",
    "明",
    "霞",
    "浩",
    "宇",
    "晨",
    "丽",
    "建国",
    "志强",
    "子涵",
    "俊杰",
    "欣怡",
    "晓东",
    "雨桐",
    "思远",
    "一鸣",
    "佳怡",
]
NICK_WORDS = [
    "xiaoyu",
    "lucky",
    "ahao",
    "mumu",
    "kevin",
    "dawei",
    "sunny",
    "leo",
    "ajie",
    "coco",
    "qingfeng",
    "momo",
    "jack",
    "wenwen",
    "chenchen",
    "bobo",
    "yoyo",
    "nana",
]
NICK_CN = [
    "阿杰",
    "小鱼儿",
    "风一样的男子",
    "大白",
    "路人甲",
    "木子",
    "晴天",
    "老王",
    "阿飞",
    "小胖",
    "喵小姐",
    "柠檬不酸",
    "一只小熊",
    "南风",
    "糖糖",
]


# ---------------------------------------------------------------------------------------------
# the catalogue: ~50 products, ~170 SKUs

# name, 货号, 类目, list price (yuan), popularity, season (warm | mid | cold | all)
PRODUCTS = [
    ("男士加绒连帽卫衣 秋冬宽松潮牌上衣", "QM26W01", "男装/卫衣", 169, 1.0, "cold"),
    ("重磅纯棉圆领卫衣 男款百搭", "QM26W02", "男装/卫衣", 139, 0.8, "all"),
    ("90白鸭绒短款羽绒服 男士连帽加厚", "QM26D03", "男装/羽绒服", 599, 0.9, "cold"),
    ("轻薄羽绒马甲 男士内胆背心", "QM26D04", "男装/羽绒服", 239, 0.5, "cold"),
    ("工装棉服 男冬季宽松面包服", "QM26C05", "男装/棉服", 329, 0.6, "cold"),
    ("立领飞行员夹克 男士春秋外套", "QM26J06", "男装/夹克", 269, 0.7, "mid"),
    ("复古水洗牛仔夹克 男宽松", "QM26J07", "男装/夹克", 229, 0.5, "mid"),
    ("加绒直筒牛仔裤 男士冬季保暖", "QM26P08", "男装/牛仔裤", 169, 0.9, "cold"),
    ("弹力修身牛仔裤 男小脚", "QM26P09", "男装/牛仔裤", 139, 0.7, "all"),
    ("垂感免烫休闲西裤 男", "QM26P10", "男装/休闲裤", 149, 0.6, "all"),
    ("多口袋工装裤 男宽松束脚", "QM26P11", "男装/休闲裤", 159, 0.7, "mid"),
    ("加绒运动卫裤 男束脚", "QM26P12", "男装/休闲裤", 99, 0.9, "cold"),
    ("半高领羊毛衫 男士纯色针织", "QM26K13", "男装/针织衫", 259, 0.6, "cold"),
    ("圆领羊绒混纺毛衣 男", "QM26K14", "男装/针织衫", 329, 0.4, "cold"),
    ("免烫商务白衬衫 男长袖", "QM26S15", "男装/衬衫", 119, 0.6, "all"),
    ("牛津纺休闲衬衫 男", "QM26S16", "男装/衬衫", 109, 0.5, "warm"),
    ("重磅纯棉短袖T恤 男", "QM26T17", "男装/T恤", 79, 0.9, "warm"),
    ("长袖纯棉打底T恤 男", "QM26T18", "男装/T恤", 89, 0.7, "mid"),
    ("双面羊毛呢大衣 男中长款", "QM26O19", "男装/大衣", 799, 0.35, "cold"),
    ("三合一冲锋衣 男防风防水", "QM26O20", "男装/外套", 459, 0.6, "cold"),
    ("摇粒绒立领外套 男", "QM26O21", "男装/外套", 149, 0.6, "cold"),
    ("男士商务西装套装 修身两件套", "QM26X22", "男装/西装", 899, 0.06, "all"),
    ("冰丝休闲POLO衫 男", "QM26T23", "男装/POLO衫", 129, 0.5, "warm"),
    ("运动休闲套装 男秋冬两件套", "QM26W24", "男装/套装", 219, 0.5, "mid"),
    ("法式碎花连衣裙 女收腰", "QW26Q25", "女装/连衣裙", 189, 0.8, "warm"),
    ("针织长袖连衣裙 女秋冬", "QW26Q26", "女装/连衣裙", 229, 0.7, "cold"),
    ("双面羊绒大衣 女中长款", "QW26O27", "女装/毛呢外套", 899, 0.4, "cold"),
    ("赫本风毛呢外套 女短款", "QW26O28", "女装/毛呢外套", 459, 0.5, "cold"),
    ("白鸭绒长款羽绒服 女过膝", "QW26D29", "女装/羽绒服", 699, 0.8, "cold"),
    ("轻薄短款羽绒服 女", "QW26D30", "女装/羽绒服", 359, 0.6, "cold"),
    ("软糯慵懒风毛衣 女", "QW26K31", "女装/针织衫", 169, 0.9, "cold"),
    ("V领针织开衫 女", "QW26K32", "女装/针织衫", 149, 0.6, "mid"),
    ("加绒连帽卫衣 女宽松", "QW26W33", "女装/卫衣", 159, 0.8, "cold"),
    ("圆领印花卫衣 女", "QW26W34", "女装/卫衣", 129, 0.5, "mid"),
    ("高腰A字半身裙 女", "QW26Q35", "女装/半身裙", 139, 0.6, "mid"),
    ("百褶半身长裙 女", "QW26Q36", "女装/半身裙", 159, 0.4, "warm"),
    ("高腰垂感阔腿裤 女", "QW26P37", "女装/休闲裤", 129, 0.9, "all"),
    ("加绒直筒牛仔裤 女", "QW26P38", "女装/牛仔裤", 149, 0.7, "cold"),
    ("微喇牛仔裤 女高腰", "QW26P39", "女装/牛仔裤", 139, 0.5, "all"),
    ("真丝衬衫 女长袖", "QW26S40", "女装/衬衫", 329, 0.3, "warm"),
    ("宽松条纹衬衫 女", "QW26S41", "女装/衬衫", 119, 0.5, "warm"),
    ("基础款纯棉T恤 女", "QW26T42", "女装/T恤", 69, 0.8, "warm"),
    ("小香风短外套 女", "QW26O43", "女装/外套", 389, 0.4, "mid"),
    ("工装风衣 女中长款", "QW26O44", "女装/风衣", 499, 0.5, "mid"),
    ("羊羔毛外套 女", "QW26O45", "女装/外套", 299, 0.6, "cold"),
    ("休闲西装外套 女", "QW26X46", "女装/西装", 269, 0.4, "mid"),
    ("德绒打底衫 女", "QW26T47", "女装/打底衫", 79, 0.8, "cold"),
    ("瑜伽运动套装 女", "QW26W48", "女装/套装", 199, 0.4, "all"),
    ("冬季棉服 女面包服", "QW26C49", "女装/棉服", 329, 0.6, "cold"),
    ("加厚长款羽绒服 男", "QM26D50", "男装/羽绒服", 799, 0.5, "cold"),
]
LAUNCH = {48: dt.date(2026, 10, 20), 49: dt.date(2026, 11, 5)}  # new listings (0-based index)
DELISTED = {35: dt.date(2026, 10, 15)}  # last day on sale
COLORS = [
    ("黑色", "BK"),
    ("白色", "WH"),
    ("灰色", "GY"),
    ("藏青", "NV"),
    ("卡其", "KH"),
    ("燕麦色", "OT"),
    ("酒红", "WR"),
    ("杏色", "AP"),
]
SIZES_M = ["M", "L", "XL", "2XL", "3XL"]
SIZES_W = ["S", "M", "L", "XL"]
SKU_SHAPES = [(1, 3), (1, 3), (1, 2), (2, 2), (1, 4), (2, 2)]  # (colors, sizes)


def season_factor(season: str, d: dt.date) -> float:
    t = (d - START).days / (len(DAYS) - 1)
    return {
        "warm": 1.5 - 1.1 * t,
        "cold": 0.35 + 1.3 * t,
        "mid": 0.9 + 0.5 * np.sin(np.pi * t),
        "all": 1.0,
    }[season]


def on_sale(p: dict, d: dt.date) -> bool:
    return p["launch"] <= d <= p["delisted"]


def make_catalogue(rng) -> list[dict]:
    ids: set[str] = set()

    def fresh(lo: int, hi: int) -> str:
        while True:
            s = str(int(rng.integers(lo, hi)))
            if s not in ids:
                ids.add(s)
                return s

    products = []
    for i, (name, code, cat, price, pop, season) in enumerate(PRODUCTS):
        n_col, n_size = SKU_SHAPES[int(rng.integers(len(SKU_SHAPES)))]
        sizes = SIZES_M if cat.startswith("男装") else SIZES_W
        first = int(rng.integers(0, len(sizes) - n_size + 1))
        cols = [COLORS[int(j)] for j in rng.choice(len(COLORS), size=n_col, replace=False)]
        cost_ratio = float(rng.uniform(0.32, 0.48))
        p = dict(
            idx=i,
            product_id=fresh(600_000_000_000, 999_999_999_999),
            name=f"栖木 {name}",
            code=code,
            category=cat,
            price=price * 100,
            pop=pop,
            season=season,
            launch=LAUNCH.get(i, START),
            delisted=DELISTED.get(i, END),
            skus=[],
        )
        for cname, ccode in cols:
            for size in sizes[first : first + n_size]:
                stock = int(rng.integers(0, 900)) if rng.random() > 0.06 else 0
                if i in DELISTED:
                    stock = 0
                p["skus"].append(
                    dict(
                        sku_id=fresh(5_000_000_000_000, 5_999_999_999_999),
                        code=f"{code}-{ccode}-{size}",
                        attrs=f"颜色分类:{cname};尺码:{size}",
                        color=cname,
                        size=size,
                        stock=stock,
                        # cost to 0.50 yuan, like a supplier quote
                        cost=int(round(price * cost_ratio * 2)) * 50,
                    )
                )
        sw = np.array([1.0 + (0.8 if s["size"] in ("L", "XL", "M") else 0) for s in p["skus"]])
        p["sku_w"] = sw / sw.sum()
        products.append(p)
    return products


# ---------------------------------------------------------------------------------------------
# traffic cells -> buyers -> orders

# device, source, visitors/day, pay conversion, share of payers who bought before, spend model,
# cost per visitor (yuan) or commission rate
SOURCES = [
    ("无线", "手淘搜索", 1300, 0.031, 0.04, None, 0.0),
    ("无线", "手淘推荐", 1900, 0.012, 0.03, None, 0.0),
    ("无线", "直通车", 500, 0.029, 0.03, "cpc", 1.15),
    ("无线", "引力魔方", 300, 0.015, 0.02, "cpc", 0.62),
    ("无线", "万相台", 380, 0.024, 0.04, "cpc", 0.88),
    ("无线", "淘宝客", 125, 0.046, 0.02, "cps", 0.10),
    ("无线", "购物车", 360, 0.088, 0.28, None, 0.0),
    ("无线", "我的淘宝", 260, 0.064, 0.38, None, 0.0),
    ("无线", "淘内免费其他", 225, 0.018, 0.06, None, 0.0),
    ("无线", "直接访问", 105, 0.037, 0.26, None, 0.0),
    ("PC", "淘宝搜索", 85, 0.024, 0.04, None, 0.0),
    ("PC", "直通车", 34, 0.022, 0.03, "cpc", 1.35),
    ("PC", "购物车", 25, 0.080, 0.28, None, 0.0),
    ("PC", "直接访问", 22, 0.035, 0.26, None, 0.0),
    ("PC", "淘内免费其他", 16, 0.012, 0.04, None, 0.0),
]
STATUS_DONE = "交易成功"
STATUS_SHIPPED = "卖家已发货，等待买家确认"
STATUS_PAID = "买家已付款,等待卖家发货"  # ASCII comma, as in the real export
STATUS_CLOSED = "交易关闭"
STATUS_UNPAID = "等待买家付款"
REFUND_NONE = "没有申请退款"
REFUND_DONE = "退款成功"
REFUND_OPEN = "买家已经申请退款，等待卖家同意"
HOURS = np.array(
    [
        2.6,
        1.2,
        0.6,
        0.3,
        0.25,
        0.3,
        0.6,
        1.2,
        2.2,
        3.2,
        3.9,
        4.1,
        3.9,
        3.6,
        3.5,
        3.4,
        3.3,
        3.4,
        3.7,
        4.3,
        5.3,
        5.9,
        5.6,
        4.2,
    ]
)
HOURS_D11 = HOURS.copy()
HOURS_D11[[0, 1, 20, 21, 22, 23]] *= [6.0, 3.0, 1.6, 2.2, 1.8, 1.4]


def day_factors(d: dt.date) -> tuple[float, float]:
    """(visitor factor, conversion factor) for a day: trend into winter, weekends, 双11."""
    t = (d - START).days / (len(DAYS) - 1)
    vf, cf = 0.82 + 0.35 * t, 1.0
    if d.weekday() >= 5:
        vf *= 1.08
    if dt.date(2026, 10, 20) <= d <= dt.date(2026, 10, 31):  # pre-sale: browse and wait
        vf, cf = vf * 1.12, 0.9
    elif dt.date(2026, 11, 1) <= d <= dt.date(2026, 11, 10):
        vf, cf = vf * 1.25, 0.8
    elif d == DOUBLE11:
        vf, cf = vf * 3.2, 1.9
    elif d == dt.date(2026, 11, 12):
        vf, cf = vf * 1.45, 1.1
    return vf, cf


def make_buyer(rng, nicks: set[str]) -> dict:
    while True:
        k = rng.random()
        if k < 0.35:
            nick = f"tb{int(rng.integers(10**9, 10**10))}"
        elif k < 0.6:
            nick = f"{NICK_WORDS[int(rng.integers(len(NICK_WORDS)))]}{int(rng.integers(1, 9999))}"
        elif k < 0.8:
            nick = f"{NICK_CN[int(rng.integers(len(NICK_CN)))]}{int(rng.integers(1970, 2008))}"
        else:
            nick = f"t_{int(rng.integers(10**12, 10**13))}"
        if nick not in nicks:
            nicks.add(nick)
            break
    full, _, token, _, cities = PROVINCES[int(rng.choice(len(PROVINCES), p=PROV_W))]
    city = list(cities)[int(rng.integers(len(cities)))]
    district = cities[city][int(rng.integers(len(cities[city])))]
    street = (
        f"{ROADS[int(rng.integers(len(ROADS)))]}{int(rng.integers(1, 999))}号"
        f"{ESTATES[int(rng.integers(len(ESTATES)))]}{int(rng.integers(1, 30))}幢"
        f"{int(rng.integers(1, 30))}{int(rng.integers(1, 6)):02d}室"
    )
    phone_prefix = int(rng.choice([138, 139, 158, 159, 186, 187, 188, 135, 136, 177]))
    return dict(
        nick=nick,
        province=full,
        city=city,
        address=f"{token} {city} {district} {street}",
        name=SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN)))],
        phone=f"{phone_prefix}****{int(rng.integers(0, 10000)):04d}",
    )


class IdMaker:
    """19-digit Taobao-style order ids, unique across the file."""

    def __init__(self, rng):
        self.rng = rng
        self.seen: set[str] = set()

    def __call__(self) -> str:
        while True:
            s = str(int(self.rng.choice([2, 3, 4]))) + "".join(
                str(int(x)) for x in self.rng.integers(0, 10, size=18)
            )
            if s not in self.seen:
                self.seen.add(s)
                return s


def product_weights(products: list[dict], d: dt.date) -> np.ndarray:
    w = np.array(
        [p["pop"] * season_factor(p["season"], d) if on_sale(p, d) else 0.0 for p in products]
    )
    for p in products:  # a new listing sells hard for its first two weeks
        if p["launch"] > START and 0 <= (d - p["launch"]).days < 14 and on_sale(p, d):
            w[p["idx"]] *= 1.8
    return w / w.sum()


def random_time(rng, d: dt.date) -> dt.datetime:
    hw = HOURS_D11 if d == DOUBLE11 else HOURS
    h = int(rng.choice(24, p=hw / hw.sum()))
    return dt.datetime.combine(d, dt.time(h, int(rng.integers(60)), int(rng.integers(60))))


def make_lines(rng, products: list[dict], pw: np.ndarray) -> list[dict]:
    k = 1 if rng.random() < 0.85 else (2 if rng.random() < 0.8 else 3)
    picks = list(dict.fromkeys(int(x) for x in rng.choice(len(products), size=k, p=pw)))
    lines = []
    for j in picks:
        p = products[j]
        sku = p["skus"][int(rng.choice(len(p["skus"]), p=p["sku_w"]))]
        r = rng.random()
        qty = 1 if r < 0.88 else (2 if r < 0.98 else 3)
        lines.append(dict(product=p, sku=sku, qty=qty, goods=p["price"] * qty))
    return lines


def price_order(rng, lines: list[dict], d: dt.date, remote: bool) -> int:
    """Spread the order's discount over its lines (fen remainder on the last line); shipping
    rides on the first line. Returns the order's paid total."""
    goods = sum(ln["goods"] for ln in lines)
    if dt.date(2026, 10, 20) <= d <= dt.date(2026, 11, 12):
        discount = (goods // 30000) * 5000  # 跨店满300减50
    elif goods >= 19900 and rng.random() < 0.3:
        discount = int(rng.choice([1000, 2000]))
    else:
        discount = 0
    pay_goods = goods - discount
    if rng.random() < 0.12:  # 会员95折: amounts with odd fen
        pay_goods = int(round(pay_goods * 0.95))
    left = pay_goods
    for ln in lines[:-1]:
        ln["paid"] = int(round(pay_goods * ln["goods"] / goods))
        left -= ln["paid"]
    lines[-1]["paid"] = left
    ship = SHIPPING_FEN if remote else 0
    for n, ln in enumerate(lines):
        ln["ship"] = ship if n == 0 else 0
        ln["paid"] += ln["ship"]
    return pay_goods + ship


def settle(rng, order: dict) -> None:
    """Status, refunds and refund times of a paid order, as seen at export time."""
    paid_at = order["paid_at"]
    lines = order["lines"]
    age = (EXPORT_AT - paid_at).total_seconds() / 86400
    if age < 1.2:
        status = STATUS_PAID if rng.random() < 0.75 else STATUS_SHIPPED
    elif age < 10:
        status = STATUS_SHIPPED
    else:
        status = STATUS_DONE
    for ln in lines:
        ln.update(refund=0, refund_status=REFUND_NONE, refund_at=None)
    boost = 1.5 if dt.date(2026, 11, 1) <= paid_at.date() <= dt.date(2026, 11, 12) else 1.0
    r = rng.random()
    if r < 0.06 * boost:  # whole order returned or cancelled
        when = paid_at + dt.timedelta(seconds=int(rng.integers(3600, 12 * 86400)))
        for ln in lines:
            if when <= END_AT:
                ln.update(refund=ln["paid"], refund_status=REFUND_DONE, refund_at=when)
            else:
                ln["refund_status"] = REFUND_OPEN
        if when <= END_AT:
            status = STATUS_CLOSED
    elif r < 0.13 * boost:  # one line returned, one unit returned, or a 保价 difference
        ln = lines[int(rng.integers(len(lines)))]
        if len(lines) > 1:
            amount = ln["paid"] - ln["ship"]
        elif ln["qty"] > 1:
            amount = (ln["paid"] - ln["ship"]) // ln["qty"]
        else:
            amount = min(ln["paid"] - ln["ship"], int(rng.choice([1000, 2000, 3000])))
        when = paid_at + dt.timedelta(seconds=int(rng.integers(2 * 86400, 15 * 86400)))
        if when <= END_AT:
            ln.update(refund=amount, refund_status=REFUND_DONE, refund_at=when)
        else:
            ln["refund_status"] = REFUND_OPEN
    order["status"] = status


def make_orders(rng, products: list[dict]) -> tuple[list[dict], list[dict]]:
    """Traffic cells and the orders they produce. A cell is day x device x source."""
    new_id = IdMaker(rng)
    nicks: set[str] = set()
    buyers: list[dict] = []
    cells, orders = [], []
    for d in DAYS:
        vf, cf = day_factors(d)
        pw = product_weights(products, d)
        for device, source, base, conv, back, spend_kind, rate in SOURCES:
            visitors = int(rng.poisson(base * vf * float(rng.lognormal(0, 0.08))))
            p_pay = min(conv * cf * float(rng.lognormal(0, 0.1)), 0.5)
            payers = int(rng.binomial(visitors, p_pay))
            quitters = int(rng.binomial(payers, 0.1)) + int(rng.random() < 0.3)
            cell = dict(
                date=d,
                device=device,
                source=source,
                visitors=visitors,
                spend_kind=spend_kind,
                rate=rate,
                orders=[],
            )
            for n in range(payers + quitters):
                if buyers and rng.random() < back:
                    buyer = buyers[int(rng.integers(len(buyers)))]
                else:
                    buyer = make_buyer(rng, nicks)
                    buyers.append(buyer)
                pays = n < payers
                for _ in range(2 if pays and rng.random() < 0.03 else 1):
                    lines = make_lines(rng, products, pw)
                    total = price_order(rng, lines, d, buyer["province"] in REMOTE)
                    t = random_time(rng, d)
                    if pays:
                        lag = (
                            int(rng.integers(5, 900))
                            if rng.random() < 0.9
                            else int(rng.integers(900, 4 * 3600))
                        )
                        created = max(t - dt.timedelta(seconds=lag), START_AT)
                        if created == t:
                            t += dt.timedelta(seconds=5)
                    else:
                        created = t
                    order = dict(
                        order_id=new_id(),
                        buyer=buyer,
                        created=created,
                        paid_at=t if pays else None,
                        lines=lines,
                        source=source,
                        device=device,
                        total=total if pays else 0,
                    )
                    if pays:
                        settle(rng, order)
                    else:
                        waiting = created > EXPORT_AT - dt.timedelta(days=1)
                        order["status"] = STATUS_UNPAID if waiting else STATUS_CLOSED
                        for ln in order["lines"]:
                            ln.update(
                                paid=0, ship=0, refund=0, refund_status=REFUND_NONE, refund_at=None
                            )
                    # multi-line orders get their own sub-order ids; single lines reuse the id
                    for ln in lines:
                        ln["sub_id"] = order["order_id"] if len(lines) == 1 else new_id()
                    cell["orders"].append(order)
                    orders.append(order)
            cells.append(cell)
    return cells, orders


# ---------------------------------------------------------------------------------------------
# (1) traffic: 生意参谋 店铺流量来源, daily, GBK CSV

TRAFFIC_HEADER = [
    "统计日期",
    "终端",
    "流量来源",
    "访客数",
    "访客数变化",
    "浏览量",
    "加购人数",
    "收藏人数",
    "下单买家数",
    "支付买家数",
    "支付金额",
    "支付金额变化",
    "支付转化率",
    "客单价",
    "UV价值",
    "花费",
]


def finish_traffic(rng, cells: list[dict]) -> None:
    for c in cells:
        paid = [o for o in c["orders"] if o["paid_at"] is not None]
        c["order_buyers"] = len({o["buyer"]["nick"] for o in c["orders"]})
        c["paying_buyers"] = len({o["buyer"]["nick"] for o in paid})
        c["paid_amount"] = sum(o["total"] for o in paid)
        v = c["visitors"]
        c["page_views"] = int(round(v * float(rng.uniform(1.4, 2.8))))
        c["add_to_cart_buyers"] = max(c["order_buyers"], int(rng.binomial(v, 0.075)))
        c["favorite_buyers"] = int(rng.binomial(v, 0.035))
        if c["spend_kind"] == "cpc":
            c["spend"] = int(round(v * 0.93 * c["rate"] * float(rng.lognormal(0, 0.1)) * 100))
        elif c["spend_kind"] == "cps":
            c["spend"] = int(round(c["paid_amount"] * c["rate"]))
        else:
            c["spend"] = None


def write_traffic(path: Path, cells: list[dict]) -> None:
    prev: dict[tuple[str, str], dict] = {}
    rows: list[list[object]] = [
        ["【生意参谋平台】店铺来源-流量来源构成（日报）"],
        [f"店铺名称：{SHOP}"],
        [f"统计时间：{START.isoformat()}~{END.isoformat()}"],
        ["终端：所有终端（无线+PC）"],
        ["下载时间：2026-12-01 09:12:40"],
        [],
        TRAFFIC_HEADER,
    ]
    by_day: dict[dt.date, list[dict]] = defaultdict(list)
    for c in cells:
        by_day[c["date"]].append(c)
    for d in DAYS:
        # the back-end lists each device's sources by visitors, largest first
        day = sorted(by_day[d], key=lambda c: (c["device"] != "无线", -c["visitors"], c["source"]))
        for c in day:
            key = (c["device"], c["source"])
            p = prev.get(key)
            v, b, fen = c["visitors"], c["paying_buyers"], c["paid_amount"]
            rows.append(
                [
                    d.isoformat(),
                    c["device"],
                    c["source"],
                    fmt_int(v),
                    fmt_change(v, p and p["visitors"]),
                    fmt_int(c["page_views"]),
                    fmt_int(c["add_to_cart_buyers"]),
                    fmt_int(c["favorite_buyers"]),
                    fmt_int(c["order_buyers"]),
                    fmt_int(b),
                    fmt_money(fen),
                    fmt_change(fen, p and p["paid_amount"]),
                    fmt_pct(b, v),
                    fmt_money(int(round(fen / b))) if b else "-",
                    fmt_money(int(round(fen / v))) if v else "-",
                    fmt_money(c["spend"]) if c["spend"] is not None else "-",
                ]
            )
            prev[key] = c
    tv = sum(c["visitors"] for c in cells)
    tb = sum(c["paying_buyers"] for c in cells)
    tp = sum(c["paid_amount"] for c in cells)
    rows.append(
        [
            "合计",
            "-",
            "-",
            fmt_int(tv),
            "-",
            fmt_int(sum(c["page_views"] for c in cells)),
            fmt_int(sum(c["add_to_cart_buyers"] for c in cells)),
            fmt_int(sum(c["favorite_buyers"] for c in cells)),
            fmt_int(sum(c["order_buyers"] for c in cells)),
            fmt_int(tb),
            fmt_money(tp),
            "-",
            fmt_pct(tb, tv),
            fmt_money(int(round(tp / tb))),
            fmt_money(int(round(tp / tv))),
            fmt_money(sum(c["spend"] or 0 for c in cells)),
        ]
    )
    write_csv(path, rows, "gbk")


def truth_traffic(cells: list[dict]) -> dict:
    keys = [
        "visitors",
        "page_views",
        "add_to_cart_buyers",
        "favorite_buyers",
        "order_buyers",
        "paying_buyers",
    ]

    def total(sub: list[dict]) -> dict:
        s: dict[str, object] = {k: sum(c[k] for c in sub) for k in keys}
        s["paid_amount"] = yuan(sum(c["paid_amount"] for c in sub))
        s["spend"] = yuan(sum(c["spend"] or 0 for c in sub))
        return s

    sums = total(cells)
    by_source: dict[str, dict] = {}
    for src in dict.fromkeys(s[1] for s in SOURCES):
        sub = [c for c in cells if c["source"] == src]
        by_source[src] = {
            k: v
            for k, v in total(sub).items()
            if k in ("visitors", "paying_buyers", "paid_amount", "spend")
        }
    d11 = [c for c in cells if c["date"] == DOUBLE11]
    return {
        "kind": "traffic",
        "rows": len(cells),
        "sums": sums,
        "date_range": {"start": START.isoformat(), "end": END.isoformat()},
        "checks": {
            "encoding": "gbk",
            "title_rows": 5,
            "header_row": 7,
            "total_row": "合计 (last row; must be dropped)",
            "date_column": "统计日期 (daily rows: date_end = date)",
            "sources": len(by_source),
            "by_device": {
                dev: total([c for c in cells if c["device"] == dev]) for dev in ("无线", "PC")
            },
            "paid_amount_by_source": {k: v["paid_amount"] for k, v in by_source.items()},
            "by_source": by_source,
            "spend_sources": sorted({c["source"] for c in cells if c["spend"] is not None}),
            "rows_with_dash_aov": sum(1 for c in cells if c["paying_buyers"] == 0),
            "conversion": ratio(sums["paying_buyers"], sums["visitors"]),
            "aov": ratio(sums["paid_amount"], sums["paying_buyers"], 2),
            "double11": total(d11),
            "change_columns_not_metrics": ["访客数变化", "支付金额变化"],
            "visitors_note": "visitor-days summed over sources; not unique shop visitors",
        },
    }


# ---------------------------------------------------------------------------------------------
# (2) products: 生意参谋 商品效果, daily per product, XLSX

PRODUCT_HEADER = [
    "统计日期",
    "商品ID",
    "商品名称",
    "类目",
    "货号",
    "商品状态",
    "商品访客数",
    "商品浏览量",
    "平均停留时长",
    "商品加购人数",
    "商品加购件数",
    "商品收藏人数",
    "下单买家数",
    "下单件数",
    "下单金额",
    "支付买家数",
    "支付件数",
    "支付金额",
    "商品支付转化率",
    "老买家支付金额",
    "成功退款金额",
    "访客平均价值",
]


def make_product_days(
    rng, products: list[dict], cells: list[dict], orders: list[dict]
) -> list[dict]:
    """Daily product rows rolled up from the order lines (paid by payment day, ordered by
    creation day, refunds by refund day); visitors spread from the day's shop visitors."""
    agg: dict[tuple[dt.date, int], dict] = defaultdict(
        lambda: dict(
            order_buyers=set(),
            order_units=0,
            order_amount=0,
            buyers=set(),
            units=0,
            paid=0,
            old_paid=0,
            refund=0,
        )
    )
    first_order: dict[str, dt.datetime] = {}
    for o in sorted(orders, key=lambda o: o["created"]):
        first_order.setdefault(o["buyer"]["nick"], o["created"])
    for o in orders:
        nick = o["buyer"]["nick"]
        for ln in o["lines"]:
            i = ln["product"]["idx"]
            a = agg[(o["created"].date(), i)]
            a["order_buyers"].add(nick)
            a["order_units"] += ln["qty"]
            a["order_amount"] += ln["goods"]
            if o["paid_at"] is not None:
                a = agg[(o["paid_at"].date(), i)]
                a["buyers"].add(nick)
                a["units"] += ln["qty"]
                a["paid"] += ln["paid"]
                if first_order[nick] < o["created"]:
                    a["old_paid"] += ln["paid"]
            if ln["refund"]:
                agg[(ln["refund_at"].date(), i)]["refund"] += ln["refund"]
    shop_visitors: dict[dt.date, int] = defaultdict(int)
    for c in cells:
        shop_visitors[c["date"]] += c["visitors"]
    rows = []
    for d in DAYS:
        pw = product_weights(products, d)
        for p in products:
            a = agg.get((d, p["idx"]))
            if on_sale(p, d):
                lam = shop_visitors[d] * 1.3 * pw[p["idx"]] * float(rng.lognormal(0, 0.15))
                v = max(int(rng.poisson(lam)), 1)
            else:
                v = 0
            if a is None and v == 0:
                continue
            a = a or agg[(d, p["idx"])]
            ob = len(a["order_buyers"])
            v = max(v, int(np.ceil(ob / 0.35)))  # nobody orders without visiting
            cart_b = max(ob, int(rng.binomial(v, 0.08)))
            rows.append(
                dict(
                    date=d,
                    product=p,
                    status="已下架" if d > p["delisted"] else "出售中",
                    visitors=v,
                    page_views=int(round(v * float(rng.uniform(1.3, 2.4)))),
                    stay=round(float(rng.uniform(18, 65)), 2) if v else 0.0,
                    add_to_cart_buyers=cart_b,
                    add_to_cart_units=cart_b + int(rng.binomial(cart_b, 0.2)),
                    favorite_buyers=int(rng.binomial(v, 0.04)),
                    order_buyers=ob,
                    order_units=a["order_units"],
                    order_amount=a["order_amount"],
                    paying_buyers=len(a["buyers"]),
                    units_sold=a["units"],
                    paid_amount=a["paid"],
                    old_paid=a["old_paid"],
                    refund_amount=a["refund"],
                )
            )
    return rows


def write_products(path: Path, rows: list[dict]) -> None:
    wb = new_workbook(path)
    ws = wb.add_worksheet("商品效果")
    money = wb.add_format({"num_format": "0.00"})
    title = [
        "【生意参谋平台】商品效果-商品明细",
        f"店铺名称：{SHOP}",
        f"统计时间：{START.isoformat()}~{END.isoformat()}",
        "下载时间：2026-12-01 09:14:05",
    ]
    for i, t in enumerate(title):
        ws.write_string(i, 0, t)
    for j, h in enumerate(PRODUCT_HEADER):
        ws.write_string(5, j, h)
    for i, r in enumerate(rows, start=6):
        p, v = r["product"], r["visitors"]
        cells: list[object] = [
            r["date"].isoformat(),
            p["product_id"],
            p["name"],
            p["category"],
            p["code"],
            r["status"],
            v,
            r["page_views"],
            r["stay"],
            r["add_to_cart_buyers"],
            r["add_to_cart_units"],
            r["favorite_buyers"],
            r["order_buyers"],
            r["order_units"],
            r["order_amount"],
            r["paying_buyers"],
            r["units_sold"],
            r["paid_amount"],
            fmt_pct(r["paying_buyers"], v),
            r["old_paid"] if r["old_paid"] else "-",
            r["refund_amount"] if r["refund_amount"] else "-",
            round(r["paid_amount"] / v / 100, 2) if v else "-",
        ]
        for j, c in enumerate(cells):
            if isinstance(c, str):
                ws.write_string(i, j, c)
            elif j in (14, 17, 19, 20):  # money held in fen until written
                ws.write_number(i, j, c / 100, money)
            else:
                ws.write_number(i, j, c)
    ws.set_column(0, 1, 14)
    ws.set_column(2, 2, 36)
    wb.close()


def truth_products(rows: list[dict], products: list[dict]) -> dict:
    keys = [
        "visitors",
        "page_views",
        "add_to_cart_buyers",
        "add_to_cart_units",
        "favorite_buyers",
        "paying_buyers",
        "units_sold",
    ]
    sums: dict[str, object] = {k: sum(r[k] for r in rows) for k in keys}
    sums["paid_amount"] = yuan(sum(r["paid_amount"] for r in rows))
    sums["refund_amount"] = yuan(sum(r["refund_amount"] for r in rows))
    by_cat: dict[str, int] = defaultdict(int)
    by_pid: dict[str, int] = defaultdict(int)
    for r in rows:
        by_cat[r["product"]["category"]] += r["paid_amount"]
        by_pid[r["product"]["product_id"]] += r["paid_amount"]
    top = max(by_pid, key=lambda k: (by_pid[k], k))
    listed = {r["product"]["product_id"] for r in rows}
    sold = {k for k, v in by_pid.items() if v > 0}
    return {
        "kind": "products",
        "rows": len(rows),
        "sums": sums,
        "date_range": {
            "start": min(r["date"] for r in rows).isoformat(),
            "end": max(r["date"] for r in rows).isoformat(),
        },
        "checks": {
            "sheet": "商品效果",
            "title_rows": 4,
            "header_row": 6,
            "distinct_products": len(listed),
            "products_with_sales": len(sold),
            "sell_through": ratio(len(sold), len(listed)),
            "top_product": {"product_id": top, "paid_amount": yuan(by_pid[top])},
            "paid_amount_by_category": {k: yuan(by_cat[k]) for k in sorted(by_cat)},
            "paid_amount_on_2026-11-11": yuan(
                sum(r["paid_amount"] for r in rows if r["date"] == DOUBLE11)
            ),
            "launched": {products[i]["product_id"]: d.isoformat() for i, d in LAUNCH.items()},
            "delisted": {products[i]["product_id"]: d.isoformat() for i, d in DELISTED.items()},
            "dash_means_no_value": ["老买家支付金额", "成功退款金额", "访客平均价值"],
            "not_paid_amount": ["下单金额", "老买家支付金额"],
            "refunds_dated_by": "refund day (a row may have a refund and no sales)",
        },
    }


# SKU cost and stock: the operator's own sheet, exported from Excel as "CSV UTF-8" (with BOM)

SKU_HEADER = [
    "商品ID",
    "商品名称",
    "类目",
    "SKU ID",
    "商家编码",
    "颜色分类",
    "尺码",
    "吊牌价",
    "成本价",
    "库存",
]


def write_skus(path: Path, products: list[dict]) -> None:
    rows: list[list[object]] = [SKU_HEADER]
    for p in products:
        for s in p["skus"]:
            rows.append(
                [
                    p["product_id"],
                    p["name"],
                    p["category"],
                    s["sku_id"],
                    s["code"],
                    s["color"],
                    s["size"],
                    fmt_money(p["price"], sep=False),
                    fmt_money(s["cost"], sep=False),
                    s["stock"],
                ]
            )
    write_csv(path, rows, "utf-8-sig")


def truth_skus(products: list[dict]) -> dict:
    skus = [s for p in products for s in p["skus"]]
    return {
        "kind": None,
        "rows": len(skus),
        "sums": {
            "stock": sum(s["stock"] for s in skus),
            "unit_cost": yuan(sum(s["cost"] for s in skus)),
        },
        "date_range": None,
        "checks": {
            "encoding": "utf-8-sig",
            "what": "lookup for products.unit_cost / products.stock (no canonical kind of its own);"
            " keyed by 商品ID, SKU by 商家编码 (the orders file's 商家编码)",
            "products": len(products),
            "skus_out_of_stock": sum(1 for s in skus if s["stock"] == 0),
        },
    }


# ---------------------------------------------------------------------------------------------
# (3) orders: 千牛 ExportOrderList, one row per order line, XLSX

ORDER_HEADER = [
    "订单编号",
    "子订单编号",
    "买家会员名",
    "订单状态",
    "订单创建时间",
    "订单付款时间",
    "商品标题",
    "商品ID",
    "商家编码",
    "商品属性",
    "商品价格",
    "购买数量",
    "买家应付货款",
    "买家应付邮费",
    "买家实付金额",
    "退款状态",
    "退款金额",
    "收货地址 ",
    "收货人姓名",
    "联系手机",
    "流量来源",
    "终端",
    "店铺名称",
]


def write_orders(path: Path, orders: list[dict]) -> None:
    wb = new_workbook(path)
    ws = wb.add_worksheet("Sheet1")
    money = wb.add_format({"num_format": "0.00"})
    text = wb.add_format({"num_format": "@"})
    for j, h in enumerate(ORDER_HEADER):
        ws.write_string(0, j, h)
    i = 0
    for o in sorted(orders, key=lambda o: (o["created"], o["order_id"]), reverse=True):
        b = o["buyer"]
        for ln in o["lines"]:
            i += 1
            p, s = ln["product"], ln["sku"]
            ws.write_string(i, 0, o["order_id"], text)
            ws.write_string(i, 1, ln["sub_id"], text)
            ws.write_string(i, 2, b["nick"])
            ws.write_string(i, 3, o["status"])
            ws.write_string(i, 4, ts(o["created"]))
            if o["paid_at"] is None:
                ws.write_blank(i, 5, None)
            else:
                ws.write_string(i, 5, ts(o["paid_at"]))
            ws.write_string(i, 6, p["name"])
            ws.write_string(i, 7, p["product_id"], text)
            ws.write_string(i, 8, s["code"])
            ws.write_string(i, 9, s["attrs"])
            ws.write_number(i, 10, p["price"] / 100, money)
            ws.write_number(i, 11, ln["qty"])
            ws.write_number(i, 12, ln["goods"] / 100, money)
            ws.write_number(i, 13, ln["ship"] / 100, money)
            ws.write_number(i, 14, ln["paid"] / 100, money)
            ws.write_string(i, 15, ln["refund_status"])
            if ln["refund_status"] == REFUND_NONE:
                ws.write_string(i, 16, "无退款申请")  # text in a money column, as exported
            else:
                ws.write_number(i, 16, ln["refund"] / 100, money)
            ws.write_string(i, 17, b["address"])
            ws.write_string(i, 18, b["name"])
            ws.write_string(i, 19, b["phone"])
            ws.write_string(i, 20, o["source"])
            ws.write_string(i, 21, o["device"])
            ws.write_string(i, 22, SHOP)
    ws.set_column(0, 1, 22)
    ws.set_column(6, 6, 36)
    ws.set_column(17, 17, 48)
    wb.close()


def truth_orders(orders: list[dict]) -> dict:
    lines = [(o, ln) for o in orders for ln in o["lines"]]
    by_prov: dict[str, int] = defaultdict(int)
    orders_by_prov: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    by_device: dict[str, int] = defaultdict(int)
    by_day: dict[str, int] = defaultdict(int)
    buyer_orders: dict[str, int] = defaultdict(int)
    payer_orders: dict[str, int] = defaultdict(int)
    for o in orders:
        p = o["buyer"]["province"]
        by_prov[p] += o["total"]
        orders_by_prov[p] += 1
        by_source[o["source"]] += o["total"]
        by_device[o["device"]] += o["total"]
        # 支付金额 per day is by payment day, as 生意参谋 counts it (unpaid orders hold 0)
        by_day[(o["paid_at"] or o["created"]).date().isoformat()] += o["total"]
        buyer_orders[o["buyer"]["nick"]] += 1
        if o["paid_at"] is not None:
            payer_orders[o["buyer"]["nick"]] += 1
    paid = sum(o["total"] for o in orders)
    refund = sum(ln["refund"] for _, ln in lines)
    repeat = sum(1 for n in buyer_orders.values() if n >= 2)
    repeat_paid = sum(1 for n in payer_orders.values() if n >= 2)
    provs = sorted(by_prov, key=lambda k: (-by_prov[k], k))
    paid_orders = [o for o in orders if o["paid_at"] is not None]
    day_values = sorted(by_day.values())
    return {
        "kind": "orders",
        "rows": len(lines),
        "sums": {
            "paid_amount": yuan(paid),
            "refund_amount": yuan(refund),
            "quantity": sum(ln["qty"] for _, ln in lines),
        },
        "date_range": {
            "start": ts(min(o["created"] for o in orders)),
            "end": ts(max(o["created"] for o in orders)),
        },
        "checks": {
            "sheet": "Sheet1",
            "header_row": 1,
            "grain": "one row per order line (子订单); order fields repeat on every line",
            "money_on_lines": "商品价格/买家应付货款 are the line's price and goods value; 买家实付金额 is "
            "the line's share of the order payment (order discount spread by goods "
            "value, fen remainder on the last line, 买家应付邮费 on the first line "
            "only), so summing lines gives the order total; unpaid orders hold 0.00; "
            "退款金额 is the line's refund, the text 无退款申请 when none was asked",
            "quantity_is": "购买数量 (line quantity)",
            "orders": len(orders),
            "paid_orders": len(paid_orders),
            "paid_orders_paid_on_a_later_day": sum(
                1 for o in paid_orders if o["paid_at"].date() != o["created"].date()
            ),
            "orders_without_payment_time": len(orders) - len(paid_orders),
            "multi_line_orders": sum(1 for o in orders if len(o["lines"]) > 1),
            "order_id_digits": 19,
            "order_id_cell_type": "text",
            "distinct_buyers": len(buyer_orders),
            "buyers_with_2plus_orders": repeat,
            "repurchase_rate": ratio(repeat, len(buyer_orders)),
            "paying_buyers": len(payer_orders),
            "paying_buyers_with_2plus_paid_orders": repeat_paid,
            "aov": ratio(paid / 100, len(paid_orders), 2),
            "orders_by_status": dict(sorted(Counter(o["status"] for o in orders).items())),
            "lines_by_refund_status": dict(
                sorted(Counter(ln["refund_status"] for _, ln in lines).items())
            ),
            "paid_amount_by_province": {p: yuan(by_prov[p]) for p in provs},
            "orders_by_province": {p: orders_by_prov[p] for p in provs},
            "provinces": len(provs),
            "paid_amount_by_source": {k: yuan(v) for k, v in sorted(by_source.items())},
            "paid_amount_by_device": {k: yuan(v) for k, v in sorted(by_device.items())},
            "paid_amount_on_2026-11-11": yuan(by_day["2026-11-11"]),
            "median_day_paid_amount": yuan(day_values[len(day_values) // 2]),
            "refund_rate": ratio(refund, paid),
            "pii_columns_not_stored": ["收货人姓名", "联系手机", "收货地址 (street part)"],
            "address_first_token_examples": {
                "北京": "北京市",
                "上海": "上海市",
                "天津": "天津市",
                "重庆": "重庆市",
                "广西壮族自治区": "广西壮族自治区",
            },
            "header_with_trailing_space": "收货地址 ",
        },
    }


# ---------------------------------------------------------------------------------------------
# (4) regions: 生意参谋 地域分布, 30-day period rows, UTF-8 with BOM

REGION_HEADER = [
    "省份",
    "访客数",
    "访客数占比",
    "下单买家数",
    "下单转化率",
    "支付买家数",
    "支付金额",
    "支付转化率",
    "客单价",
]


def make_regions(rng, cells: list[dict], orders: list[dict]) -> list[dict]:
    lo, hi = NOV
    order_b: dict[str, set] = defaultdict(set)
    pay_b: dict[str, set] = defaultdict(set)
    paid: dict[str, int] = defaultdict(int)
    for o in orders:
        prov, nick = o["buyer"]["province"], o["buyer"]["nick"]
        if lo <= o["created"].date() <= hi:
            order_b[prov].add(nick)
        if o["paid_at"] is not None and lo <= o["paid_at"].date() <= hi:
            pay_b[prov].add(nick)
            paid[prov] += o["total"]
    # unique visitors over 30 days are fewer than the summed daily visitors
    total = int(0.8 * sum(c["visitors"] for c in cells if lo <= c["date"] <= hi))
    # visitors follow the buyers, blurred, so conversion differs by province but stays sane
    buyers = np.array([len(pay_b[p[0]]) for p in PROVINCES], dtype=float)
    w = (0.5 * PROV_W + 0.5 * buyers / buyers.sum()) * rng.lognormal(0, 0.12, size=len(buyers))
    w /= w.sum()
    rows = []
    for (full, short, *_), share in zip(PROVINCES, w, strict=True):
        ob = len(order_b[full])
        rows.append(
            dict(
                province=full,
                short=short,
                visitors=max(int(round(total * share)), ob * 12),
                order_buyers=ob,
                paying_buyers=len(pay_b[full]),
                paid_amount=paid[full],
            )
        )
    rows.sort(key=lambda r: (-r["visitors"], r["short"]))
    return rows


def write_regions(path: Path, rows: list[dict]) -> None:
    tv = sum(r["visitors"] for r in rows)
    out: list[list[object]] = [
        ["【生意参谋平台】访客分析-地域分布"],
        [f"统计时间：{NOV[0].isoformat()}~{NOV[1].isoformat()}（最近30天）"],
        ["终端：所有终端"],
        REGION_HEADER,
    ]
    for r in rows:
        v, b, fen = r["visitors"], r["paying_buyers"], r["paid_amount"]
        out.append(
            [
                r["short"],
                fmt_int(v),
                fmt_pct(v, tv),
                r["order_buyers"],
                fmt_pct(r["order_buyers"], v),
                b,
                fmt_money(fen),
                fmt_pct(b, v),
                fmt_money(int(round(fen / b))) if b else "-",
            ]
        )
    write_csv(path, out, "utf-8-sig")


def truth_regions(rows: list[dict]) -> dict:
    return {
        "kind": "regions",
        "rows": len(rows),
        "sums": {
            "visitors": sum(r["visitors"] for r in rows),
            "paying_buyers": sum(r["paying_buyers"] for r in rows),
            "order_buyers": sum(r["order_buyers"] for r in rows),
            "paid_amount": yuan(sum(r["paid_amount"] for r in rows)),
        },
        "date_range": {"start": NOV[0].isoformat(), "end": NOV[1].isoformat()},
        "checks": {
            "encoding": "utf-8-sig",
            "title_rows": 3,
            "header_row": 4,
            "date_column_present": False,
            "period": {"date": NOV[0].isoformat(), "date_end": NOV[1].isoformat()},
            "province_names": "short (浙江, 广西, 新疆, 内蒙古); breakdowns below use full names",
            "paid_amount_by_province": {
                r["province"]: yuan(r["paid_amount"])
                for r in sorted(rows, key=lambda r: (-r["paid_amount"], r["province"]))
            },
            "visitors_by_province": {r["province"]: r["visitors"] for r in rows},
            "provinces_without_buyers": sorted(
                r["province"] for r in rows if r["paying_buyers"] == 0
            ),
            "matches_orders": "paid_amount and paying_buyers = November-paid orders by province",
        },
    }


# ---------------------------------------------------------------------------------------------
# (5) image tests: a hand-kept 主图测试 sheet (UTF-8 CSV) and a 直通车 创意报表 (GB18030)

IMAGE_HEADER = ["测试名称", "版本", "是否对照", "日期", "展现量", "点击量", "成交笔数", "备注"]
# test name, first day, days, [(variant, is control, ctr, share of impressions)],
# impressions per day, order rate per click, expected outcome
IMAGE_TESTS = [
    (
        "羽绒服主图-白底vs模特",
        dt.date(2026, 10, 12),
        14,
        [
            ("A-白底平铺", True, 0.032, 1 / 3),
            ("B-模特上身", False, 0.041, 1 / 3),
            ("C-场景街拍", False, 0.0315, 1 / 3),
        ],
        15000,
        0.05,
        "clear winner: B-模特上身",
    ),
    (
        "阔腿裤主图-文案测试",
        dt.date(2026, 9, 20),
        7,
        [
            ("对照-原图", True, 0.031, 0.25),
            ("卖点文案", False, 0.0296, 0.25),
            ("价格标签", False, 0.0287, 0.25),
            ("尺码表", False, 0.0301, 0.25),
        ],
        3600,
        0.045,
        "inconclusive: no variant differs from control",
    ),
    (
        "卫衣主图-颜色顺序",
        dt.date(2026, 11, 14),
        10,
        [("黑色首图", True, 0.035, 0.56), ("燕麦色首图", False, 0.037, 0.44)],
        12000,
        0.05,
        "sample-ratio mismatch: planned 50/50, served 56/44",
    ),
]
CREATIVES = [
    ("1180042231", "白底正面"),
    ("1180042232", "模特街拍"),
    ("1180042233", "细节特写"),
    ("1180042234", "双11价格标"),
]
CREATIVE_CTR = [0.021, 0.026, 0.019, 0.024]


def make_image_tests(rng) -> list[dict]:
    rows = []
    for name, first, days, variants, per_day, cvr, _ in IMAGE_TESTS:
        for k in range(days):
            d = first + dt.timedelta(days=k)
            vf, _ = day_factors(d)
            for variant, control, ctr, share in variants:
                imp = int(rng.poisson(per_day * share * vf))
                clicks = int(rng.binomial(imp, ctr))
                rows.append(
                    dict(
                        test=name,
                        variant=variant,
                        control=control,
                        date=d,
                        impressions=imp,
                        clicks=clicks,
                        orders=int(rng.binomial(clicks, cvr)),
                    )
                )
    return rows


def write_image_tests(path: Path, rows: list[dict]) -> None:
    out: list[list[object]] = [IMAGE_HEADER]
    for r in rows:
        note = ""
        if r["date"] == DOUBLE11:
            note = "双11当天"
        elif r["control"] and r["date"].day % 7 == 0:
            note = "换过一次标题"
        out.append(
            [
                r["test"],
                r["variant"],
                "是" if r["control"] else "否",
                slash_date(r["date"]),
                r["impressions"],
                r["clicks"],
                r["orders"],
                note,
            ]
        )
    write_csv(path, out, "utf-8")


def truth_image_tests(rows: list[dict]) -> dict:
    tests: dict[str, dict] = {}
    for name, first, days, variants, _, _, outcome in IMAGE_TESTS:
        per = {}
        for variant, control, _, _ in variants:
            sub = [r for r in rows if r["test"] == name and r["variant"] == variant]
            imp = sum(r["impressions"] for r in sub)
            clk = sum(r["clicks"] for r in sub)
            per[variant] = {
                "is_control": control,
                "days": len(sub),
                "impressions": imp,
                "clicks": clk,
                "orders": sum(r["orders"] for r in sub),
                "ctr": ratio(clk, imp),
                "planned_share": round(1 / len(variants), 4),
            }
        tests[name] = {
            "start": first.isoformat(),
            "end": (first + dt.timedelta(days=days - 1)).isoformat(),
            "expected": outcome,
            "variants": per,
        }
    return {
        "kind": "image_tests",
        "rows": len(rows),
        "sums": {k: sum(r[k] for r in rows) for k in ("impressions", "clicks", "orders")},
        "date_range": {
            "start": min(r["date"] for r in rows).isoformat(),
            "end": max(r["date"] for r in rows).isoformat(),
        },
        "checks": {
            "encoding": "utf-8",
            "columns": {
                "测试名称": "test_id",
                "版本": "variant",
                "是否对照": "is_control (是/否)",
                "日期": "date (YYYY/M/D)",
                "展现量": "impressions",
                "点击量": "clicks",
                "成交笔数": "orders",
            },
            "tests": tests,
        },
    }


def make_creatives(rng, products: list[dict]) -> list[dict]:
    pid = products[28]["product_id"]  # the women's long down coat
    rows = []
    for k in range(12):
        d = dt.date(2026, 11, 15) + dt.timedelta(days=k)
        for (cid, cname), ctr in zip(CREATIVES, CREATIVE_CTR, strict=True):
            imp = int(rng.poisson(5200))
            clicks = int(rng.binomial(imp, ctr))
            spend = int(round(clicks * float(rng.uniform(0.95, 1.45)) * 100))
            n = int(rng.binomial(clicks, 0.03))
            amount = sum(int(round(69900 * float(rng.choice([1.0, 0.95, 0.9])))) for _ in range(n))
            rows.append(
                dict(
                    date=d,
                    product_id=pid,
                    creative_id=cid,
                    creative=cname,
                    impressions=imp,
                    clicks=clicks,
                    spend=spend,
                    orders=n,
                    paid_amount=amount,
                )
            )
    return rows


CREATIVE_HEADER = [
    "日期",
    "宝贝ID",
    "创意ID",
    "创意名称",
    "展现量",
    "点击量",
    "点击率",
    "花费",
    "平均点击花费",
    "总成交笔数",
    "总成交金额",
    "投入产出比",
]


def write_creatives(path: Path, rows: list[dict]) -> None:
    out: list[list[object]] = [CREATIVE_HEADER]
    for r in rows:
        out.append(
            [
                r["date"].isoformat(),
                r["product_id"],
                r["creative_id"],
                r["creative"],
                r["impressions"],
                r["clicks"],
                f"{r['clicks'] / r['impressions']:.4f}",
                fmt_money(r["spend"], sep=False),
                fmt_money(int(round(r["spend"] / r["clicks"])), sep=False)
                if r["clicks"]
                else "0.00",
                r["orders"],
                fmt_money(r["paid_amount"], sep=False),
                f"{r['paid_amount'] / r['spend']:.2f}" if r["spend"] else "0.00",
            ]
        )
    write_csv(path, out, "gb18030")


def truth_creatives(rows: list[dict]) -> dict:
    per = {}
    for (cid, cname), _ in zip(CREATIVES, CREATIVE_CTR, strict=True):
        sub = [r for r in rows if r["creative_id"] == cid]
        imp = sum(r["impressions"] for r in sub)
        clk = sum(r["clicks"] for r in sub)
        per[cname] = {
            "creative_id": cid,
            "days": len(sub),
            "impressions": imp,
            "clicks": clk,
            "spend": yuan(sum(r["spend"] for r in sub)),
            "orders": sum(r["orders"] for r in sub),
            "ctr": ratio(clk, imp),
        }
    return {
        "kind": "image_tests",
        "rows": len(rows),
        "sums": {
            "impressions": sum(r["impressions"] for r in rows),
            "clicks": sum(r["clicks"] for r in rows),
            "spend": yuan(sum(r["spend"] for r in rows)),
            "orders": sum(r["orders"] for r in rows),
            "paid_amount": yuan(sum(r["paid_amount"] for r in rows)),
        },
        "date_range": {"start": rows[0]["date"].isoformat(), "end": rows[-1]["date"].isoformat()},
        "checks": {
            "encoding": "gb18030",
            "test_id": "宝贝ID (one product, one test)",
            "variant": "创意名称 (创意ID is the stable id)",
            "rate_format": "点击率 is a decimal ratio (0.0213), not a percent string",
            "by_creative": per,
        },
    }


# ---------------------------------------------------------------------------------------------
# (6) inquiries: 1688 询盘 log, GB18030, CRLF

INQ_HEADER = [
    "日期",
    "客户ID",
    "客户名称",
    "客户类型",
    "询盘渠道",
    "是否成交",
    "成交类型",
    "未成交原因",
    "跟进情况",
    "地区",
    "成交金额",
]
INQ_CHANNELS = [
    ("旺旺", 0.42, 0.28),
    ("询价单", 0.22, 0.17),
    ("电话", 0.12, 0.40),
    ("微信", 0.16, 0.46),
    ("1688直播", 0.08, 0.24),
]
INQ_REGIONS = [
    ("浙江", 16),
    ("广东", 14),
    ("江苏", 10),
    ("福建", 7),
    ("山东", 6),
    ("河北", 5),
    ("河南", 5),
    ("湖南", 3),
    ("四川", 3),
    ("上海", 4),
    ("北京", 3),
    ("广西", 2),
    ("新疆", 1),
    ("内蒙古", 1),
    ("宁夏", 1),
    ("辽宁", 2),
]
FULL_OF = {p[1]: p[0] for p in PROVINCES}
REASONS = ["价格偏高", "起订量不满足", "交期太长", "款式不合适", "客户未回复", "仅比价"]
FOLLOW_OPEN = ["已报价待回复", "已寄样待反馈", "持续跟进", "已流失"]
FOLLOW_DONE = ["已付款待发货", "已发货", "已签收"]
CITY_WORDS = {
    "浙江": "杭州",
    "广东": "广州",
    "江苏": "苏州",
    "福建": "泉州",
    "山东": "临沂",
    "河北": "石家庄",
    "河南": "郑州",
    "湖南": "长沙",
    "四川": "成都",
    "上海": "上海",
    "北京": "北京",
    "广西": "南宁",
    "新疆": "乌鲁木齐",
    "内蒙古": "呼和浩特",
    "宁夏": "银川",
    "辽宁": "沈阳",
}
FIRM_WORDS = ["衣品", "潮搭", "优选", "锦程", "美衣", "尚品", "恒通", "佳禾", "星辰", "汇鑫"]
FIRM_KINDS = ["服饰有限公司", "服装店", "商贸有限公司", "电子商务有限公司", "服饰工作室"]


def make_inquiries(rng, n: int = 420) -> list[dict]:
    cw = np.array([c[1] for c in INQ_CHANNELS])
    rw = np.array([r[1] for r in INQ_REGIONS], dtype=float)
    customers: list[dict] = []
    rows = []
    for _ in range(n):
        if customers and rng.random() < 0.3:
            c = customers[int(rng.integers(len(customers)))]
        else:
            short = INQ_REGIONS[int(rng.choice(len(INQ_REGIONS), p=rw / rw.sum()))][0]
            firm = (
                f"{CITY_WORDS[short]}{FIRM_WORDS[int(rng.integers(len(FIRM_WORDS)))]}"
                f"{FIRM_KINDS[int(rng.integers(len(FIRM_KINDS)))]}"
            )
            c = dict(
                customer_id=f"b2b-{int(rng.integers(10**9, 10**10))}",
                customer=firm,
                customer_type=str(rng.choice(["新客户", "老客户", "分销商"], p=[0.58, 0.27, 0.15])),
                short=short,
            )
            customers.append(c)
        ch = INQ_CHANNELS[int(rng.choice(len(INQ_CHANNELS), p=cw / cw.sum()))]
        closed = bool(rng.random() < ch[2] * (1.4 if c["customer_type"] == "老客户" else 1.0))
        d = DAYS[int(rng.integers(len(DAYS)))]
        row = dict(date=d, channel=ch[0], closed=closed, **c)
        if closed:
            row["ttype"] = (
                "一件代发"
                if c["customer_type"] == "分销商"
                else str(rng.choice(["现货批发", "拿样", "来样定制"], p=[0.6, 0.25, 0.15]))
            )
            row.update(reason="", follow=str(rng.choice(FOLLOW_DONE)))
            units = {"拿样": int(rng.integers(1, 6)), "一件代发": int(rng.integers(1, 4))}.get(
                row["ttype"], int(rng.integers(30, 400))
            )
            row["amount"] = units * int(rng.choice([4500, 5800, 6900, 8800, 12800]))
        else:
            row.update(
                ttype="",
                reason=str(rng.choice(REASONS)),
                follow=str(rng.choice(FOLLOW_OPEN)),
                amount=None,
            )
        rows.append(row)
    rows.sort(key=lambda r: (r["date"], r["customer_id"], r["channel"]))
    # one note holds 𠮷 (outside GBK), so only a GB18030 decode reads the file
    j = next(i for i, r in enumerate(rows) if not r["closed"] and r["follow"] == "已寄样待反馈")
    rows[j]["follow"] = "已寄样待反馈（日本𠮷田商事）"
    return rows


def write_inquiries(path: Path, rows: list[dict]) -> None:
    out: list[list[object]] = [INQ_HEADER]
    for r in rows:
        out.append(
            [
                slash_date(r["date"]),
                r["customer_id"],
                r["customer"],
                r["customer_type"],
                r["channel"],
                "成交" if r["closed"] else "未成交",
                r["ttype"],
                r["reason"],
                r["follow"],
                r["short"],
                fmt_money(r["amount"], sep=False) if r["amount"] is not None else "",
            ]
        )
    write_csv(path, out, "gb18030")


def truth_inquiries(rows: list[dict]) -> dict:
    by_ch = {}
    for ch, _, _ in INQ_CHANNELS:
        sub = [r for r in rows if r["channel"] == ch]
        k = sum(r["closed"] for r in sub)
        by_ch[ch] = {"inquiries": len(sub), "closed": k, "close_rate": ratio(k, len(sub))}
    by_type = {}
    for t in ["新客户", "老客户", "分销商"]:
        sub = [r for r in rows if r["customer_type"] == t]
        by_type[t] = {"inquiries": len(sub), "closed": sum(r["closed"] for r in sub)}
    by_prov = Counter(FULL_OF[r["short"]] for r in rows)
    closed = sum(r["closed"] for r in rows)
    return {
        "kind": "inquiries",
        "rows": len(rows),
        "sums": {"closed": closed, "amount": yuan(sum(r["amount"] or 0 for r in rows))},
        "date_range": {"start": rows[0]["date"].isoformat(), "end": rows[-1]["date"].isoformat()},
        "checks": {
            "encoding": "gb18030 (one cell holds 𠮷, outside GBK)",
            "line_ending": "CRLF",
            "date_format": "YYYY/M/D",
            "closed_values": {"成交": True, "未成交": False},
            "close_rate": ratio(closed, len(rows)),
            "distinct_customers": len({r["customer_id"] for r in rows}),
            "by_channel": by_ch,
            "by_customer_type": by_type,
            "inquiries_by_province": dict(sorted(by_prov.items(), key=lambda kv: (-kv[1], kv[0]))),
            "amount_blank_when_not_closed": True,
        },
    }


# ---------------------------------------------------------------------------------------------
# (7) events: a tracking log for November, UTF-8 CSV

EVENT_HEADER = ["user_id", "event", "event_time", "source", "device", "province", "product_id"]
EV_VIEW, EV_CART, EV_ORDER, EV_PAY = "浏览商品", "加入购物车", "提交订单", "支付成功"
SOURCE_W = np.array([s[2] for s in SOURCES], dtype=float) / sum(s[2] for s in SOURCES)


def make_session(
    rng, u: dict, d: dt.date, pw: np.ndarray, cf: float, products: list[dict]
) -> list[tuple]:
    """One visit: views (some fired twice), maybe carts, maybe an order and its payment."""
    device, source = SOURCES[int(rng.choice(len(SOURCES), p=SOURCE_W))][:2]
    t = random_time(rng, d)
    out: list[tuple] = []

    def emit(name: str, pid: str, when: dt.datetime) -> None:
        out.append((u["uid"], name, when, source, device, u["province"], pid))

    viewed = []
    for _ in range(int(rng.geometric(0.55))):
        pid = products[int(rng.choice(len(products), p=pw))]["product_id"]
        viewed.append(pid)
        emit(EV_VIEW, pid, t)
        if rng.random() < 0.03:  # the page fired twice in the same second
            emit(EV_VIEW, pid, t)
        t += dt.timedelta(seconds=int(rng.exponential(45)) + 1)
    buy = None
    if rng.random() < 0.1 * cf:
        buy = viewed[int(rng.integers(len(viewed)))]
        emit(EV_CART, buy, t)
        if rng.random() < 0.1:
            t += dt.timedelta(seconds=int(rng.integers(1, 30)))
            emit(EV_CART, buy, t)
        if rng.random() >= 0.38:
            buy = None
    elif rng.random() < 0.012 * cf:  # 立即购买 without the cart
        buy = viewed[-1]
    if buy is not None:
        t += dt.timedelta(seconds=int(rng.exponential(90)) + 1)
        emit(EV_ORDER, buy, t)
        if rng.random() < 0.88:
            # 免密支付 lands in the same second as the order now and then
            lag = 0 if rng.random() < 0.15 else int(rng.integers(3, 120))
            emit(EV_PAY, buy, t + dt.timedelta(seconds=lag))
    return out


def make_events(rng, products: list[dict]) -> list[tuple]:
    users: list[dict] = []
    seen: set[str] = set()
    events: list[tuple] = []
    d = NOV[0]
    while d <= NOV[1]:
        vf, cf = day_factors(d)
        pw = product_weights(products, d)
        for _ in range(int(rng.poisson(420 * vf))):
            if users and rng.random() < 0.3:
                u = users[int(rng.integers(len(users)))]
            else:
                while True:
                    uid = "u" + "".join(rng.choice(list("0123456789abcdef"), size=10))
                    if uid not in seen:
                        seen.add(uid)
                        break
                prov = PROVINCES[int(rng.choice(len(PROVINCES), p=PROV_W))][0]
                u = dict(uid=uid, province=prov)
                users.append(u)
            events += make_session(rng, u, d, pw, cf, products)
        d += dt.timedelta(days=1)
    rank = {EV_VIEW: 0, EV_CART: 1, EV_ORDER: 2, EV_PAY: 3}
    events.sort(key=lambda e: (e[2], e[0], rank[e[1]]))
    return events


def write_events(path: Path, events: list[tuple]) -> None:
    out: list[list[object]] = [EVENT_HEADER]
    out += [[u, e, ts(t), s, dev, prov, pid] for u, e, t, s, dev, prov, pid in events]
    write_csv(path, out, "utf-8", newline="\n")


def truth_events(events: list[tuple]) -> dict:
    users_by: dict[str, set] = defaultdict(set)
    for u, e, *_ in events:
        users_by[e].add(u)
    steps = [EV_VIEW, EV_CART, EV_ORDER, EV_PAY]
    counts = Counter(e[1] for e in events)
    ties = Counter((e[0], e[2]) for e in events)
    return {
        "kind": "events",
        "rows": len(events),
        "sums": {"events": len(events)},
        "date_range": {"start": ts(events[0][2]), "end": ts(events[-1][2])},
        "checks": {
            "encoding": "utf-8",
            "events": {s: counts[s] for s in steps},
            "distinct_users": len({e[0] for e in events}),
            "funnel_users": {s: len(users_by[s]) for s in steps},
            "user_seconds_with_2plus_events": sum(1 for n in ties.values() if n > 1),
            "province_names": "full official names",
        },
    }


# ---------------------------------------------------------------------------------------------


def build(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)

    def rng(k: int) -> np.random.Generator:
        # one stream per file, so changing one file leaves the others as they were
        return np.random.default_rng([SEED, k])

    products = make_catalogue(rng(1))
    cells, orders = make_orders(rng(2), products)
    finish_traffic(rng(3), cells)
    pdays = make_product_days(rng(4), products, cells, orders)
    regions = make_regions(rng(5), cells, orders)
    image_rows = make_image_tests(rng(6))
    creative_rows = make_creatives(rng(7), products)
    inquiries = make_inquiries(rng(8))
    events = make_events(rng(9), products)

    write_traffic(out / F_TRAFFIC, cells)
    write_products(out / F_PRODUCTS, pdays)
    write_skus(out / F_SKUS, products)
    write_orders(out / F_ORDERS, orders)
    write_regions(out / F_REGIONS, regions)
    write_image_tests(out / F_IMAGE_TESTS, image_rows)
    write_creatives(out / F_CREATIVES, creative_rows)
    write_inquiries(out / F_INQUIRIES, inquiries)
    write_events(out / F_EVENTS, events)

    paid_lines = [ln for o in orders if o["paid_at"] is not None for ln in o["lines"]]
    truth = {
        "shop": SHOP,
        "period": {"start": START.isoformat(), "end": END.isoformat()},
        "notes": "Money in yuan rounded to 2 decimals; rates are sums over sums rounded to 6 "
        "decimals; rows = data rows only (no title, header, blank or 合计 rows); "
        "provinces use full official names; kind null = no canonical table of its own.",
        "files": {
            F_TRAFFIC: truth_traffic(cells),
            F_PRODUCTS: truth_products(pdays, products),
            F_SKUS: truth_skus(products),
            F_ORDERS: truth_orders(orders),
            F_REGIONS: truth_regions(regions),
            F_IMAGE_TESTS: truth_image_tests(image_rows),
            F_CREATIVES: truth_creatives(creative_rows),
            F_INQUIRIES: truth_inquiries(inquiries),
            F_EVENTS: truth_events(events),
        },
        "cross_checks": {
            "paid_amount": "traffic = products = orders (every paid order is paid inside the "
            "90 days, and the traffic and product reports count it on its payment "
            "day)",
            "refund_amount": "products = orders (refunds completed by 2026-11-30 23:59:59)",
            "units_sold": "products.units_sold = orders 购买数量 on paid lines",
            "paid_units": sum(ln["qty"] for ln in paid_lines),
            "regions": "regions = November-paid orders by province",
        },
    }
    (out / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return truth


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    result = build(target)
    for name, f in result["files"].items():
        print(f"{f['rows']:>6}  {str(f['kind']):<12} {name}")
