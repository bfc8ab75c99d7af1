-- overview_movers_source: traffic sources whose paid amount changed most vs the compare period.
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $src, $dev, $prov, $plat
--         (varchar[]; null = all), $limit (int)
--         $cur (varchar, ISO code; rows naming no currency are CNY; null = all rows)
-- grain: one row per source. From traffic when it has paid amounts by source, else from
-- orders via rollup_orders_daily_region (origin says which). A traffic row counts in a
-- period only when its whole period (date..date_end) lies inside it. used by: views/overview.py
with

traffic_rows as (

    select
        source as item,
        date as first_day,
        date_end as last_day,
        paid_amount
    from traffic
    where paid_amount is not null
      and source is not null
      and source <> '全部'
      and ss.picked($src, source)
      and ss.picked($dev, device)

),

has_traffic_sources as (

    select count(*) > 0 as yes
    from traffic
    where paid_amount is not null and source is not null and source <> '全部'

),

order_rows as (

    select
        source as item,
        day as first_day,
        day as last_day,
        paid_amount
    from ss.order_rollup(
        'rollup_orders_daily_region',
        least($start, $cmp_start), greatest($end, $cmp_end), $src, $dev, $prov, $plat, $cur
    )
    where source is not null

),

chosen as (

    select 'traffic' as origin, * from traffic_rows
    where (select yes from has_traffic_sources)
    union all
    select 'orders' as origin, * from order_rows
    where not (select yes from has_traffic_sources)

),

by_item as (

    select
        origin,
        item,
        sum(paid_amount) filter (
            where ss.inside(first_day, last_day, $start, $end)
        ) as paid_amount,
        sum(paid_amount) filter (
            where ss.inside(first_day, last_day, $cmp_start, $cmp_end)
        ) as cmp_paid_amount
    from chosen
    group by all

)

select
    origin,
    item,
    coalesce(paid_amount, 0) as paid_amount,
    coalesce(cmp_paid_amount, 0) as cmp_paid_amount,
    coalesce(paid_amount, 0) - coalesce(cmp_paid_amount, 0) as change_paid_amount
from by_item
where paid_amount is not null or cmp_paid_amount is not null
order by abs(change_paid_amount) desc, item
limit $limit
