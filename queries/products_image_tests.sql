-- products_image_tests: main-image tests of one product, per test and variant.
-- params: $product_id (varchar: matches image_tests.product_id or test_id)
-- grain: one row per (test_id, variant); all dates (a test is shown whole).
-- used by: views/products.py (the A/B page does the statistics)
with

source as (

    select *
    from image_tests
    where product_id = $product_id
       or test_id = $product_id

),

variants as (

    select
        test_id,
        variant,
        bool_or(is_control) as is_control,
        min(date) as first_day,
        max(date) as last_day,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(clicks) / nullif(sum(impressions), 0) as ctr,
        sum(orders) as orders,
        sum(paid_amount) as paid_amount
    from source
    group by test_id, variant

)

select * from variants order by test_id, is_control desc nulls last, variant
