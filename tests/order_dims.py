"""Dimension values for generated order lines in the rollup tests: provinces with and without
cities, an unknown (None) and an overseas one, so every grouping meets its edge cases."""

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
