"""Dimension values for generated order lines in the rollup tests: provinces with and without
cities, an unknown (None) and an overseas one, so every grouping meets its edge cases; and
one generated order's lines."""

from __future__ import annotations

import random
from datetime import date, datetime

PROVINCES = ("广东省", "浙江省", "北京市", None, "海外")
CITIES = {
    "广东省": ("深圳市", "广州市", None),
    "浙江省": ("杭州市", None),
    "北京市": ("北京市",),
    None: (None,),
    "海外": (None,),
}
SOURCES = ("手淘搜索", "直通车", None)
DEVICES = ("无线", "PC")


def order_lines(
    rng: random.Random,
    order_id: str | None,
    day: date,
    *,
    buyers: int = 120,
    no_buyer: float = 0.03,
    unpaid: float = 0.08,
    products: int = 6,
    no_product: float = 0.02,
    unpaid_status: str = "等待买家付款",
) -> list[dict]:
    """1-3 lines of one order on `day`; the order-level fields (buyer, time, province, city,
    source, device, status) shared by its lines, as exports have them."""
    province = rng.choice(PROVINCES)
    buyer = None if rng.random() < no_buyer else f"b{rng.randrange(buyers)}"
    paid = rng.random() > unpaid  # unpaid orders keep the amount they would cost
    head = {
        "order_id": order_id,
        "order_time": datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60)),
        "buyer_id": buyer,
        "province": province,
        "city": rng.choice(CITIES[province]),
        "source": rng.choice(SOURCES),
        "device": rng.choice(DEVICES),
        "status": "交易成功" if paid else unpaid_status,
        "paid": paid,
    }
    lines = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        pid = rng.randrange(products)
        lines.append(
            {
                **head,
                "product_id": None if rng.random() < no_product else f"p{pid}",
                "product_name": f"商品{pid}",
                "sku_id": f"p{pid}-{rng.randrange(3)}",
                "quantity": rng.randrange(1, 4),
                "paid_amount": round(rng.uniform(10, 300), 2),
                "line_amount": round(rng.uniform(10, 300), 2),
                "refund_amount": round(rng.uniform(0, 10), 2) if rng.random() < 0.1 else 0.0,
            }
        )
    return lines
