-- customers_daily: paid amount and paid orders per day, the history a paid-amount
-- forecast is fitted on.
-- params: $end (date, inclusive; history up to it), $src, $dev, $prov, $plat (varchar[];
--         null = all), $cur (varchar; orders without a currency count as 'CNY'; null = all)
-- grain: one row per day with a paid order (days without are absent: shopsight.forecast
-- fills them with 0); orders without a buyer id count too. Paying buyers per day are in
-- customers_daily_buyers (distinct counts cost ~30x these sums at 10M lines, so they are
-- asked only for a buyers forecast). Without a source / device / province filter from
-- rollup_orders_buyer_orders_days (summed per day, platform and currency at load time);
-- with one, from rollup_orders_buyer_orders (paid orders only).
-- used by: views/customers.py, `python -m shopsight forecast`
with

from_days as (

    select day, paid_amount, orders
    from rollup_orders_buyer_orders_days
    where $src is null and $dev is null and $prov is null
      and day <= $end
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

from_orders as (

    select day, paid_amount, 1 as orders
    from rollup_orders_buyer_orders
    where not ($src is null and $dev is null and $prov is null)
      and day <= $end
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

)

select
    day,
    sum(paid_amount) as paid_amount,
    cast(sum(orders) as bigint) as orders
from (
    select * from from_days
    union all
    select * from from_orders
)
group by day
order by day
