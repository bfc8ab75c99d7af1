"""The header synonym table: every export header ShopSight understands, in one place.

Keys are canonical columns of shopsight.schema (or `rate:*` inputs used only to
derive a missing count).  Aliases are compared after `header_key()` folding
(no whitespace, lower case, full-width folded, unit suffixes such as `(元)`
removed), and the first alias present in a file wins, so more specific names
come first.
"""

from __future__ import annotations

import re
import unicodedata

from shopsight.ingest.readers import INVISIBLE

# canonical column -> aliases, shared by every kind that has the column.
COLUMNS: dict[str, tuple[str, ...]] = {
    # ---------- time
    "date": (
        "统计日期",
        "日期",
        "数据日期",
        "统计时间",
        "时间",
        "date",
        "day",
        "日期范围",
        "询盘日期",
        "询盘时间",
        "咨询日期",
    ),
    "date_end": ("结束日期", "截止日期", "end date", "date end"),
    # orders: order_time is derived (payment time of a paid order, else creation time);
    # a file's own generic time column still maps to it
    "order_time": ("订单成交时间", "成交时间", "订单时间", "order time", "order_time"),
    "created_time": (
        "订单创建时间",
        "创建时间",
        "下单时间",
        "订单下单时间",
        "订单提交时间",
        "created at",
        "order date",
        "created_time",
        "date",
    ),
    "paid_time": (
        "订单付款时间",
        "付款确认时间",
        "付款时间",
        "支付时间",
        "支付完成时间",
        "paid at",
        "paid_time",
        "payment time",
    ),
    "event_time": (
        "event_time",
        "事件时间",
        "行为时间",
        "发生时间",
        "时间",
        "timestamp",
        "time",
        "event time",
    ),  # Tianchi logs: timestamp (Unix seconds), time (2014-12-06 02)
    # ---------- ids and names
    "order_id": (
        "订单编号",
        "订单号",
        "主订单编号",
        "订单id",
        "父单号",
        "order id",
        "order_id",
        "name",
        "order #",
        "order",
        "order number",
    ),
    "buyer_id": (
        "买家会员名",
        "买家昵称",
        "买家id",
        "会员名",
        "用户id",
        "买家账号",
        "下单帐号",
        "下单账号",
        "客户id",
        "customer id",
        "customer",
        "buyer id",
        "buyer_id",
    ),
    "product_id": (
        "商品id",
        "宝贝id",
        "商品编号",
        "主体id",
        "item id",
        "product id",
        "product_id",
        "商品编码",
        "item_id",
    ),
    "product_name": (
        "商品名称",
        "商品标题",
        "宝贝标题",
        "商品",
        "标题",
        "宝贝名称",
        "货品标题",
        "货品名称",
        "选购商品",
        "主体名称",
        "lineitem name",
        "product name",
        "product_name",
        "item name",
        "product title",
        "product",
    ),
    "sku_id": (
        "skuid",
        "sku id",
        "sku编码",
        "商家编码",
        "货号",
        "单品货号",
        "商家sku",
        "sku",
        "lineitem sku",
        "商家编码-sku维度",
        "规格id",
    ),
    "sku_name": (
        "sku名称",
        "商品属性",
        "商品规格",
        "商品属性sku",
        "规格",
        "sku属性",
        "variant name",
        "sku_name",
    ),
    "category": (
        "类目",
        "叶子类目",
        "一级类目",
        "商品类目",
        "品类",
        "类别",
        "category",
        "product type",
        "category_id",
        "item_category",
    ),
    "customer_id": (
        "客户id",
        "买家id",
        "客户名称",
        "买家名称",
        "客户",
        "询盘人",
        "买家会员名",
        "customer id",
        "customer_id",
        "公司名称",
    ),
    "user_id": ("user_id", "用户id", "访客id", "user id", "uid", "会员id", "visitor id"),
    "event": (
        "event",
        "事件",
        "行为",
        "事件名称",
        "行为类型",
        "event name",
        "action",
        "behavior_type",
        "behavior",
        "behaviour",
        "behavior type",
    ),
    "test_id": (
        "测试名称",
        "测试id",
        "实验名称",
        "测试",
        "test",
        "test id",
        "test_id",
        "test name",
        "experiment",
        "推广单元",
        "推广单元id",
    ),
    "variant": (
        "版本",
        "变体",
        "创意id",
        "创意名称",
        "创意标题",
        "图片版本",
        "主图版本",
        "分组",
        "variant",
        "version",
        "creative",
        "creative id",
    ),
    # what a creative is called, beside its id (when there is no id it is the variant itself)
    "variant_name": ("创意名称", "创意标题", "creative name", "creative title"),
    # ---------- dimensions
    "source": (
        "流量来源",
        "来源",
        "一级来源",
        "渠道",
        "来源渠道",
        "一级渠道",
        "流量渠道",
        "source",
        "referrer source",
        "referring channel",
        "session primary channel group (default channel group)",
        "channel",
    ),
    "source_detail": ("来源明细", "二级来源", "二级渠道", "referrer name", "referrer"),
    "device": (
        "终端",
        "设备",
        "终端类型",
        "设备类型",
        "无线/pc",
        "device",
        "device type",
        "platform",
    ),
    "province": (
        "省份",
        "省",
        "收货省份",
        "地域",
        "地区",
        "省份名称",
        "所在地区",
        "shipping province name",
        "shipping province",
        "billing province name",
        "billing province",
        "province",
        "state",
        "region",
        "所在省份",
    ),
    "city": ("城市", "市", "收货城市", "shipping city", "billing city", "city"),
    "status": ("订单状态", "交易状态", "financial status", "status", "order status"),
    "currency": ("币种", "货币", "结算币种", "币别", "currency", "currency code"),
    "customer_type": ("客户类型", "买家类型", "customer type"),
    "channel": ("询盘渠道", "咨询渠道", "渠道", "来源渠道", "channel"),
    "closed": ("是否成交", "成交状态", "已成交", "closed", "won"),
    # an inquiry's state when there is no 是否成交: 已成交 closes it, any other state does not
    "inquiry_status": ("询盘状态", "询价状态", "商机状态", "inquiry status"),
    "transaction_type": ("成交类型", "交易类型", "transaction type"),
    "reason_not_closed": ("未成交原因", "流失原因", "reason not closed", "lost reason"),
    "follow_up": ("跟进情况", "跟进状态", "跟进", "follow up", "follow-up"),
    "is_control": ("是否对照", "对照组", "是否对照组", "control", "is control", "is_control"),
    # ---------- counts
    "visitors": (
        "访客数",
        "商品访客数",
        "访客数(uv)",
        "uv",
        "店铺访客数",
        "visitors",
        "sessions",
        "online store visitors",
        "访客",
    ),
    "page_views": (
        "浏览量",
        "商品浏览量",
        "商品浏览数",
        "浏览量(pv)",
        "pv",
        "page views",
        "pageviews",
    ),
    "add_to_cart_buyers": (
        "加购人数",
        "商品加购人数",
        "加购客户数",
        "加购买家数",
        "sessions with cart additions",
        "added to cart",
    ),
    "add_to_cart_units": ("商品加购件数", "加购件数"),
    "favorite_buyers": (
        "收藏人数",
        "商品收藏人数",
        "收藏买家数",
        "收藏商品买家数",
        "关注客户数",
        "商品收藏用户数",
    ),
    "order_buyers": (
        "下单买家数",
        "下单客户数",
        "下单人数",
        "sessions that reached checkout",
        "reached checkout",
    ),
    "paying_buyers": (
        "支付买家数",
        "成交客户数",
        "成交买家数",
        "成交人数",
        "支付人数",
        "付款人数",
        "sessions that completed checkout",
        "sessions converted",
        "paying buyers",
    ),
    "orders": (
        "支付子订单数",
        "支付订单数",
        "成交单量",
        "成交笔数",
        "总成交笔数",
        "订单数",
        "成交订单数",
        "成交子单量",
        "orders",
        "conversions",
    ),
    "units_sold": ("支付件数", "成交商品件数", "成交件数", "销量", "units sold", "items sold"),
    "unit_price": (
        "lineitem price",
        "unit price",
        "item price",
        "单价",
        "商品单价",
        "京东价",
        "unit_price",
    ),
    "line_discount": ("lineitem discount", "line discount", "item discount", "line_discount"),
    # 拼多多 / 抖店 say a refund only here: 退款成功 refunds the line's paid amount
    "after_sale": ("售后状态", "退款状态", "售后", "after-sale status", "refund status"),
    "quantity": (
        "购买数量",
        "订购数量",
        "商品数量",
        "宝贝总数量",
        "商品总数量",
        "数量",
        "商品数量(件)",
        "lineitem quantity",
        "quantity",
        "qty",
    ),
    "new_visitors": ("新访客数", "新访客"),
    "bounce_visitors": ("跳失人数", "跳出人数"),
    "impressions": ("展现量", "曝光量", "展现", "曝光次数", "商品曝光次数", "impressions", "views"),
    "clicks": ("点击量", "点击数", "点击次数", "商品点击量", "clicks"),
    "stock": ("库存", "库存件数", "可用库存", "库存数量", "stock", "inventory"),
    # ---------- money
    "paid_amount": (
        "支付金额",
        "买家实付金额",
        "买家实际支付金额",
        "实付金额",
        "实付款",
        "用户实付金额",
        "成交金额",
        "总成交金额",
        "交易额",
        "gmv",
        "total sales",
        "total",
        "销售额",
        "订单应付金额",
        "应付金额",
        "商家实收金额",
        "net sales",
        "revenue",
        "total revenue",
        "item revenue",
        "paid amount",
        "paid_amount",
        "成交额",
    ),
    "refund_amount": (
        "成功退款金额",
        "退款金额",
        "成功退款退货金额",
        "退款总额",
        "退给买家金额",
        "refunded amount",
        "refund amount",
        "refunds",
        "order refund",
    ),
    "spend": (
        "花费",
        "推广花费",
        "总花费",
        "消耗",
        "广告花费",
        "成交花费",
        "spend",
        "cost",
        "ad spend",
    ),
    "unit_cost": ("成本价", "单位成本", "成本", "采购价", "unit cost", "cost per item"),
    "line_amount": (
        "line amount",
        "line_amount",
        "line total",
        "lineitem total",
        "item total",
        "子订单金额",
    ),
    "amount": ("成交金额", "订单金额", "金额", "采购金额", "amount"),
    # ---------- rates: only used to derive a missing count (DESIGN §2)
    "rate:conversion": ("支付转化率", "商品支付转化率", "成交转化率", "conversion rate"),
    "rate:order": ("下单转化率", "下单转换率"),
    "rate:add_to_cart": ("加购率", "访问加购转化率", "加购转换率"),
    "rate:ctr": ("点击率", "ctr"),
    "rate:aov": ("客单价", "平均订单金额", "average order value", "aov"),
}

# Columns that are plausible for a kind but must never be taken from these headers
# (look-alikes that are a different quantity).
NOT_FOR: dict[str, tuple[str, ...]] = {
    "paid_amount": (
        "老买家支付金额",
        "聚划算支付金额",
        "年累计支付金额",
        "月累计支付金额",
        "下单金额",
        "总预售成交金额",
    ),
    "units_sold": ("月累计支付件数", "下单件数", "商品加购件数"),
    "product_id": ("主商品id",),
}

# Headers that each kind's detection leans on: seeing them is strong evidence.
FINGERPRINTS: dict[str, tuple[str, ...]] = {
    "traffic": (
        "来源",
        "流量来源",
        "来源明细",
        "跳失率",
        "uv价值",
        "referrer source",
        "sessions",
        "referring channel",
    ),
    "products": (
        "商品访客数",
        "商品浏览量",
        "商品加购人数",
        "商品支付转化率",
        "支付件数",
        "商品id",
        "商品状态",
        "库存",
    ),
    "orders": (
        "订单编号",
        "订单号",
        "买家实付金额",
        "买家实际支付金额",
        "订单状态",
        "收货地址",
        "订单创建时间",
        "lineitem quantity",
        "financial status",
        "name",
    ),
    "regions": ("省份", "地域", "城市", "省份名称"),
    "image_tests": (
        "展现量",
        "点击量",
        "点击率",
        "版本",
        "测试名称",
        "创意id",
        "创意名称",
        "impressions",
        "clicks",
        "variant",
        "test",
    ),
    "inquiries": (
        "询盘渠道",
        "是否成交",
        "客户类型",
        "未成交原因",
        "跟进情况",
        "成交类型",
        "询盘日期",
    ),
    "events": (
        "user_id",
        "event",
        "event_time",
        "事件",
        "行为",
        "用户id",
        "事件时间",
        "behavior_type",
        "item_id",
        "user_geohash",
    ),
}

# Which canonical columns each kind takes from a file, beyond its schema columns.
EXTRA_INPUTS: dict[str, tuple[str, ...]] = {
    "traffic": ("rate:conversion", "rate:order", "rate:add_to_cart", "rate:aov"),
    "products": ("rate:conversion", "rate:add_to_cart", "rate:aov"),
    "regions": ("rate:conversion", "rate:aov"),
    "image_tests": ("rate:ctr",),
    "orders": ("paid_time", "unit_price", "line_discount", "after_sale"),
    "inquiries": ("inquiry_status",),
    "events": (),
}

# Columns that map to no canonical field but that a page reads, proposed as kept (the owner
# can drop them in the mapping): the A/B page shows a creative's 创意名称 next to its id.
KEPT_BY_DEFAULT: dict[str, tuple[str, ...]] = {"image_tests": ("创意名称",)}

# What tells an order's lines apart without being stored: the file's sub-order id, or
# the SKU written as text (灰色,M). Two lines of one order alike in what is stored are
# then still two lines, not one order written twice.
LINE_KEY_HEADERS = (
    "子订单编号",
    "子订单号",
    "子单号",
    "子订单id",
    "商品规格",
    "商品属性",
    "sku属性",
    "销售属性",
    "规格",
    "颜色分类",
    "lineitem variant",
)

# Personal data: never stored (DESIGN §3).  Addresses are read for province/city only.
ADDRESS_HEADERS = (
    "收货地址",
    "客户地址",
    "详细地址",
    "收货人地址",
    "修改后的收货地址",
    "地址",
    "shipping address1",
    "billing address1",
    "shipping street",
    "billing street",
    "address",
)
PERSONAL_HEADERS = (
    "联系人",
    "联系人姓名",
    "旺旺",
    "旺旺号",
    "阿里旺旺",
    "买家旺旺",
    "收货人姓名",
    "收货人",
    "联系手机",
    "联系电话",
    "手机",
    "电话",
    "手机号",
    "买家手机号",
    "买家姓名",
    "买家身份证号",
    "身份证号",
    "买家支付宝账号",
    "支付宝账号",
    "邮箱",
    "电子邮箱",
    "email",
    "e-mail",
    "billing name",
    "shipping name",
    "billing phone",
    "shipping phone",
    "phone",
    "billing zip",
    "shipping zip",
    "zip",
    "邮编",
    "billing address2",
    "shipping address2",
    "billing company",
    "shipping company",
    "billing street",
    "shipping street",
    "收件人",
    "收件人姓名",
    "收件人电话",
    "身份证",
    "qq",
    "微信号",
    "user_geohash",
    "geohash",  # a user's location to ~150 m (Tianchi mobile log)
)

# Free text that people type into (notes, tags, messages, tracking and payment references):
# never stored, not even on purpose, since anything personal can be in it (DESIGN §3).
FREE_TEXT_HEADERS = (
    "notes",
    "note",
    "note attributes",
    "tags",
    "买家留言",
    "卖家备注",
    "订单备注",
    "备注",
    "留言",
    "买家备注",
    "商家备注",
    "客服备注",
    "物流单号",
    "运单号",
    "快递单号",
    "物流信息",
    "remark",
    "remarks",
    "comment",
    "comments",
    "buyer message",
    "seller memo",
    "payment reference",
    "payment references",
    "payment id",
    "receipt number",
    "device id",
    "支付宝交易号",
    "支付单号",
    "交易号",
    "ip",
    "ip address",
    "browser ip",
    "employee",
    "customer note",
    "special instructions",
)

# Values that are personal whatever their column is called: a kept column holding any of
# them is not stored (RE2 syntax, matched with pyarrow against each cell)
PERSONAL_VALUE_PATTERNS = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+",
    "phone": (
        r"(^|[^0-9])((\+?86[ -]?)?1[3-9][0-9]([ -]?[0-9*]{4}){2}|0[0-9]{2,3}-[0-9]{7,8}"
        r"|\+[0-9]{1,3}[ -]?[0-9]{2,4}[ -]?[0-9]{3,4}[ -]?[0-9]{3,4})($|[^0-9])"
    ),
    "id_card": (
        r"(^|[^0-9])[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
        r"[0-9]{3}[0-9Xx]($|[^0-9])"
    ),
    "address": (
        r"[0-9一二三四五六七八九十]+(号|弄|栋|幢|单元|室)|(路|街|大道|巷)[0-9一二三四五六七八九十]"
        r"|小区|街道|胡同|(?i)(^|[^a-z0-9])[0-9]+[a-z]?\s+([a-z]+\s+){0,3}(st|street|rd|road|ave"
        r"|avenue|blvd|lane|ln|dr|drive|way|court|ct)($|[^a-z])"
    ),
    "ip": r"(^|[^0-9.])[0-9]{1,3}(\.[0-9]{1,3}){3}($|[^0-9.])",
}

_COMPARISON = re.compile(
    r"(变化|变化率|同比|环比|较上期|较前一|增长率|增幅|change|vs\.?previous|prior)$"
)
# the unit a header gives its values: 支付金额(元), 点击率(%), 点击率%, 事件时间(毫秒)
_UNIT_SUFFIX = re.compile(
    r"[（(](?P<unit>元|件|个|次|人|秒|毫秒|ms|%|pv|uv|rmb|cny|¥|￥)[)）]$|(?<=.)(?P<bare>%)$"
)


_DUPLICATE = re.compile(r"__\d+$")  # headers.clean_headers marks repeated names `name__2`


# a BOM and the zero-width characters a header copied from a web page can carry
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def _squeezed(header: str) -> str:
    """NFKC (full-width), lower case, no whitespace or invisible characters, no duplicate
    mark (a second 同比 or 手机 column is still one)."""
    h = unicodedata.normalize("NFKC", _DUPLICATE.sub("", str(header))).lower()
    return re.sub(r"\s+", "", h).translate(_INVISIBLE)


def header_key(header: str) -> str:
    """Fold a header for matching: _squeezed, without its unit suffix (unit)."""
    return _UNIT_SUFFIX.sub("", _squeezed(header))


def unit(header: str) -> str | None:
    """The unit the header gives its values (点击率(%) and 点击率% -> '%', 支付金额(元) ->
    '元'), or None."""
    m = _UNIT_SUFFIX.search(_squeezed(header))
    return None if m is None else m["unit"] or m["bare"]


def is_comparison(header: str) -> bool:
    """`访客数变化`, `支付金额同比`: period-over-period columns, not the metric itself."""
    return bool(_COMPARISON.search(header_key(header)))


def _keys(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(header_key(n) for n in names)


ADDRESS_KEYS = _keys(ADDRESS_HEADERS)
LINE_KEYS = _keys(LINE_KEY_HEADERS)
FREE_TEXT_KEYS = _keys(FREE_TEXT_HEADERS)
PERSONAL_KEYS = _keys(PERSONAL_HEADERS)
NOT_FOR_KEYS = {c: _keys(v) for c, v in NOT_FOR.items()}
FINGERPRINT_KEYS = {k: _keys(v) for k, v in FINGERPRINTS.items()}
ALIAS_KEYS: dict[str, tuple[str, ...]] = {
    c: tuple(dict.fromkeys(header_key(a) for a in v)) for c, v in COLUMNS.items()
}
KNOWN_KEYS = (
    frozenset(k for v in ALIAS_KEYS.values() for k in v)
    | ADDRESS_KEYS
    | PERSONAL_KEYS
    | FREE_TEXT_KEYS
)


def is_personal(header: str) -> bool:
    return header_key(header) in PERSONAL_KEYS


def is_address(header: str) -> bool:
    return header_key(header) in ADDRESS_KEYS


def is_free_text(header: str) -> bool:
    return header_key(header) in FREE_TEXT_KEYS
