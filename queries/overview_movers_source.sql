-- overview_movers_source: traffic sources whose paid amount changed most vs the compare period.
-- params: $start, $end, $cmp_start, $cmp_end (date, inclusive), $src, $dev, $prov (varchar[];
--         null = all), $limit (int)
-- grain: one row per source. From traffic when it has paid amounts by source, else from
-- orders via rollup_orders_daily_region (origin says which). A traffic row counts in a
-- period only when its whole period (date..date_end) lies inside it. used by: views/overview.py
with

traffic_rows as (

    select
        source as item,
        date as first_day,
        coalesce(date_end, date) as last_day,
        paid_amount
    from traffic
    where paid_amount is not null
      and source is not null
      and source <> '全部'
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))

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
    from rollup_orders_daily_region
    where source is not null
      and day between least($start, $cmp_start) and greatest($end, $cmp_end)
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

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
        sum(paid_amount) filter (where first_day >= $start and last_day <= $end) as paid_amount,
        sum(paid_amount) filter (
            where first_day >= $cmp_start and last_day <= $cmp_end
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
