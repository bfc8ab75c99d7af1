-- currencies: the currencies the money of orders and products is in.
-- params: none
-- grain: one row per currency, CNY first; a row that names none is CNY (every load's
-- default). Orders are read through rollup_orders_daily_region (far fewer rows).
-- used by: the global currency choice (shopsight/ui/filters.py) and the report.
with

codes as (

    select coalesce(currency, 'CNY') as currency from rollup_orders_daily_region
    union
    select coalesce(currency, 'CNY') from products

)

select currency from codes order by currency <> 'CNY', currency
