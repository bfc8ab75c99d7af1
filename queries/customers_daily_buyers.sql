-- customers_daily_buyers: distinct paying buyers per day, the history a paying-buyers
-- forecast is fitted on.
-- params: $end (date, inclusive; history up to it), $src, $dev, $prov, $plat (varchar[];
--         null = all), $cur (varchar; orders without a currency count as 'CNY'; null = all)
-- grain: one row per day with a paid order from a buyer id (days without are absent:
-- shopsight.forecast fills them with 0). From rollup_orders_buyer_orders (paid orders only).
-- used by: views/customers.py, `python -m shopsight forecast`
with

selected as (

    select day, buyer_id
    from rollup_orders_buyer_orders
    where day <= $end
      and buyer_id is not null
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

buyer_days as (

    -- group by, then count: faster than count(distinct) per group on 2 cores
    select day, buyer_id
    from selected
    group by all

)

select day, count(*) as paying_buyers
from buyer_days
group by day
order by day
