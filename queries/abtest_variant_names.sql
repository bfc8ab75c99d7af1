-- abtest_variant_names: the name (创意名称 / 创意标题) of each variant, from 直通车/万相台
--   creative reports.
-- params: $test_id (varchar, null = every test)
-- grain: one row per (test_id, variant) that has a name; the newest name when it changed.
with

source as (

    select test_id, variant, "date", variant_name
    from ss.image_test_rows($test_id, null, null)
    where variant_name is not null
      and trim(variant_name) <> ''

),

names as (

    select
        test_id,
        variant,
        arg_max(trim(variant_name), "date") as variant_name
    from source
    group by test_id, variant

)

select * from names order by test_id, variant
