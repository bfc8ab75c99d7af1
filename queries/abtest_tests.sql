-- abtest_tests: one row per main-image test (主图测试), for the test picker.
-- params: $start_date (date, inclusive, null = all), $end_date (date, inclusive, null = all)
-- grain: one row per test_id; newest test first. used by: the main-image A/B page.
-- product_id is the smallest id when a test spans several products (count_products says so).
with

source as (

    select * from ss.image_test_rows(null, $start_date, $end_date)

),

tests as (

    select
        test_id,
        list(distinct variant order by variant) as variants,
        count(distinct variant) as count_variants,
        min("date") as first_date,
        max("date") as last_date,
        count(distinct "date") as days,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(orders) as bigint) as orders,
        sum(spend) as spend,
        sum(paid_amount) as paid_amount,
        min(product_id) as product_id,
        count(distinct product_id) as count_products
    from source
    group by test_id

),

rated as (

    select
        *,
        clicks / nullif(impressions, 0) as ctr
    from tests

)

select * from rated order by last_date desc, test_id
