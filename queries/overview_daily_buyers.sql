-- overview_daily_buyers: distinct paying buyers per day from orders, for the trend chart.
-- params: $start, $end (date, inclusive), $src, $dev, $prov (varchar[]; null = all)
-- grain: one row per day (buyers are distinct within the day, so they do not add up
-- over days). used by: pages/overview.py
with

source as (

    select *
    from rollup_orders_buyers
    where day between $start and $end
      and ($src is null or list_contains($src, source))
      and ($dev is null or list_contains($dev, device))
      and ($prov is null or list_contains($prov, province))

),

daily as (

    select
        day,
        count(distinct buyer_key) as paying_buyers
    from source
    group by all

)

select * from daily order by day
