"""Personal data is never stored: only province and city survive from an address."""

from __future__ import annotations

from fixtures import ingest_files as f

from shopsight import workspace

PII_VALUES = (
    "张三",
    "李四",
    "13800001111",
    "13900002222",
    "alice@example.com",
    "0571-88888888",
    "文三路",
    "建国路",
    "民族大道",
    "Ann Li",
    "Main Rd",
    "+86 138",
    "1 Main",
    "王五",
    "天河路",
)


def stored_text(ws, kind) -> str:
    con = ws.connect(read_only=True)
    try:
        cols = workspace.table_columns(con, kind)
        rows = con.execute(f'select * from "{kind}"').fetchall()
        meta = con.execute("select mapping from _loads").fetchall()
        return " ".join(cols) + " " + " ".join(str(v) for r in rows + meta for v in r)
    finally:
        con.close()


def test_taobao_pii_columns_absent_and_region_kept(tmp_path):
    ws, r = f.load(tmp_path, f.taobao_classic_orders(tmp_path / "ExportOrderList.csv"))
    text = stored_text(ws, "orders")
    for value in PII_VALUES:
        assert value not in text, value
    for header in ("收货人姓名", "收货地址", "联系电话", "联系手机", "买家支付宝账号"):
        assert header not in text.split(" ")[:30]
    assert {"province", "city"} <= set(r.derived)
    assert {(x[10], x[11]) for x in f.table_rows(ws, "orders")} == {
        ("浙江省", "杭州市"),
        ("北京市", "北京市"),
        ("广西壮族自治区", "南宁市"),
    }


def test_shopify_and_pdd_pii_absent(tmp_path):
    for name, build in (("orders_export.csv", f.shopify_orders), ("pdd.csv", f.pdd_orders)):
        ws, _ = f.load(tmp_path / ("ws_" + name), build(tmp_path / name))
        text = stored_text(ws, "orders")
        for value in PII_VALUES:
            assert value not in text, (name, value)


def test_every_personal_header_is_dropped_even_when_repeated_or_spaced(tmp_path):
    head = [
        "订单编号",
        "订单创建时间",
        "买家实付金额",
        "收货人 ",
        "手机",
        "手机",
        "E-mail",
        "买家身份证号",
        "详细地址",
        "邮编",
    ]
    row = [
        "1",
        "2026-11-01",
        "10",
        "赵六",
        "13700000000",
        "13600000000",
        "z@x.cn",
        "110101199001011234",
        "上海市 上海市 浦东新区 世纪大道 8号",
        "200120",
    ]
    ws, r = f.load(tmp_path, f.write_csv(tmp_path / "o.csv", [head, row]))
    text = stored_text(ws, "orders")
    for value in row[3:]:
        assert value not in text
    assert f.table_rows(ws, "orders")[0][10:12] == ("上海市", "上海市")


def test_address_read_by_its_first_parts_or_further_when_they_name_no_city(tmp_path):
    head = ["订单编号", "订单创建时间", "买家实付金额", "收货地址"]
    rows = [
        ["1", "2026-11-01", "1", "中国 河南省 省直辖县级行政区划 济源市 某路1号"],
        ["2", "2026-11-01", "1", "广东省深圳市南山区科技园2号"],
        ["3", "2026-11-01", "1", "江苏省 南京市 建邺区 沙洲街道****"],
        ["4", "2026-11-01", "1", "海外 地址 未知 x"],
        ["5", "2026-11-01", "1", "****"],
    ]
    for fast in (True, False):
        ws, _ = f.load(
            tmp_path / str(fast), f.write_csv(tmp_path / "a.csv", [head, *rows]), fast=fast
        )
        assert [x[10:12] for x in f.table_rows(ws, "orders")] == [
            ("河南省", "济源市"),
            ("广东省", "深圳市"),
            ("江苏省", "南京市"),
            (None, None),
            (None, None),
        ]


def test_buyer_ids_that_are_phone_numbers_are_not_stored(tmp_path):
    # JD's 下单帐号 is often the buyer's mobile number: those orders load without a buyer;
    # a Taobao nickname with digits inside (t_8613900203522) is a nickname
    header = ["订单号", "商品ID", "订购数量", "下单时间", "应付金额", "订单状态", "下单帐号"]
    accounts = ["jd_wang", "13800001111", "138****2222", "t_8613900203522", "a@b.cn"]
    rows = [header]
    rows += [
        [f"2500{k}", "1001", 1, "2026-11-01 09:10:00", "10.00", "完成", account]
        for k, account in enumerate(accounts)
    ]
    ws, r = f.load(tmp_path, f.write_csv(tmp_path / "京东订单.csv", rows))
    assert (r.rows_loaded, r.not_stored) == (5, {"下单帐号": "phone"})
    text = stored_text(ws, "orders")
    assert "13800001111" not in text and "2222" not in text and "a@b.cn" not in text
    assert f.fetch(ws, "select buyer_id from orders where buyer_id is not null order by 1") == [
        ("jd_wang",),
        ("t_8613900203522",),
    ]


def test_an_inquirys_contact_and_wangwang_are_not_stored_even_when_kept(tmp_path):
    from shopsight.ingest import detect, load_file

    head = ["询盘时间", "公司名称", "联系人", "旺旺", "询盘渠道", "是否成交", "成交金额"]
    row = ["2026-11-03 10:00", "义乌某贸易公司", "张三丰", "tb_wang123", "搜索", "是", "1000"]
    path = f.write_csv(tmp_path / "1688询盘统计_202611.csv", [head, row])
    ws = workspace.open_workspace(tmp_path / "ws")
    mapping = detect.propose_mapping(head, "inquiries") | {
        "联系人": detect.KEEP,
        "旺旺": detect.KEEP,
    }
    load_file(ws, path, path.name, mapping=mapping)
    text = stored_text(ws, "inquiries")
    assert "张三丰" not in text and "tb_wang123" not in text
