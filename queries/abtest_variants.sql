-- abtest_variants: per-variant totals of a main-image test, the input of shopsight.abtest_stats.
-- params: $test_id (varchar, null = every test), $start_date (date, inclusive, null = all),
--         $end_date (date, inclusive, null = all)
-- grain: one row per (test_id, variant). used by: the main-image A/B page, the CLI.
-- orders / spend / paid_amount stay null when the sheet has no such column.
with

source as (

    select * from ss.image_test_rows($test_id, $start_date, $end_date)

),

variants as (

    select
        test_id,
        variant,
        coalesce(bool_or(is_control), false) as is_control,
        min("date") as first_date,
        max("date") as last_date,
        count(distinct "date") as days,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(orders) as bigint) as orders,
        sum(spend) as spend,
        sum(paid_amount) as paid_amount,
        min(product_id) as product_id
    from source
    group by test_id, variant

)

select * from variants order by test_id, variant
