-- abtest_variant_names: the 创意名称 of each variant, from 直通车/万相台 creative reports.
-- params: $test_id (varchar, null = every test)
-- grain: one row per (test_id, variant) that has a name; the newest name when it changed.
-- run only when image_tests has a 创意名称 column (an extra column, kept from the upload).
with

source as (

    select test_id, variant, "date", "创意名称" as variant_name
    from image_tests
    where ($test_id is null or test_id = $test_id)
      and "创意名称" is not null
      and trim("创意名称") <> ''

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
