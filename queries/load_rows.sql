-- load_rows: how many rows each load still holds in its dataset.
-- params: none
-- grain: one row per (kind, load_id). used by: workspace.loads.
with

counts as (

    select 'traffic' as kind, _load_id as load_id, count(*) as count_rows
    from traffic group by all
    union all select 'products', _load_id, count(*) from products group by all
    union all select 'orders', _load_id, count(*) from orders group by all
    union all select 'regions', _load_id, count(*) from regions group by all
    union all select 'image_tests', _load_id, count(*) from image_tests group by all
    union all select 'inquiries', _load_id, count(*) from inquiries group by all
    union all select 'events', _load_id, count(*) from events group by all

)

select * from counts order by kind, load_id
