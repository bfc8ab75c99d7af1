-- abtest_variants: per-variant totals of a main-image test, the input of shopsight.abtest_stats.
-- params: $test_id (varchar, null = every test), $start_date (date, inclusive, null = all),
--         $end_date (date, inclusive, null = all)
-- grain: one row per (test_id, variant). used by: the main-image A/B page, the CLI.
-- orders / spend / paid_amount stay null when the sheet has no such column.
-- rows_left_out: the variant's rows with more clicks than impressions, not counted (a
-- variant with only such rows has null totals).
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

),

left_out as (

    select test_id, variant, count(*) as rows_left_out
    from ss.image_test_rows($test_id, $start_date, $end_date, swapped := true)
    group by test_id, variant

)

select
    coalesce(variants.test_id, left_out.test_id) as test_id,
    coalesce(variants.variant, left_out.variant) as variant,
    coalesce(variants.is_control, false) as is_control,
    variants.* exclude (test_id, variant, is_control),
    coalesce(left_out.rows_left_out, 0) as rows_left_out
from variants
full join left_out using (test_id, variant)
order by test_id, variant
