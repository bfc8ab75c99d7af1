"""ShopSight: shop-export analytics on DuckDB."""

__version__ = "0.1.0"
