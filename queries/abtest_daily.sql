-- abtest_daily: a main-image test per variant and day, for cumulative CTR charts and peeking checks.
-- params: $test_id (varchar, null = every test), $start_date (date, inclusive, null = all),
--         $end_date (date, inclusive, null = all)
-- grain: one row per (test_id, variant, date), ordered by test, date, variant.
with

source as (

    select * from ss.image_test_rows($test_id, $start_date, $end_date)

),

daily as (

    select
        test_id,
        variant,
        "date",
        coalesce(bool_or(is_control), false) as is_control,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(orders) as bigint) as orders,
        sum(spend) as spend,
        sum(paid_amount) as paid_amount
    from source
    group by test_id, variant, "date"

)

select * from daily order by test_id, "date", variant
