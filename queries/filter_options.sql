-- filter_options: the values each global filter can take, from every dataset with that column.
-- params: none
-- grain: one row per (dim, value); dim is src | dev | prov | cat | plat (the link's keys).
-- Orders are read through rollup_orders_daily_region (far fewer rows; its dated rows, the
-- order lines with a time), events through rollup_events_daily (every event).
-- '全部' is the traffic default for "not broken down", so it is not a choice.
with

order_groups as (

    -- one row per combination first: the unions below then see hundreds of rows, not
    -- the rollup's hundreds of thousands
    select source, device, province, platform
    from rollup_orders_daily_region
    where day is not null
    group by all

),

event_groups as (

    select source, device, province
    from rollup_events_daily
    group by all

),

sources as (

    select source as value from traffic
    union select source from order_groups
    union select source from event_groups

),

devices as (

    select device as value from traffic
    union select device from order_groups
    union select device from event_groups

),

provinces as (

    select province as value from order_groups
    union select province from regions
    union select province from inquiries
    union select province from event_groups

),

categories as (

    select category as value from products

),

platforms as (

    select platform as value from order_groups
    union select platform from products

),

options as (

    select 'src' as dim, value from sources
    union all select 'dev' as dim, value from devices
    union all select 'prov' as dim, value from provinces
    union all select 'cat' as dim, value from categories
    union all select 'plat' as dim, value from platforms

)

select distinct dim, value
from options
where value is not null
  and trim(value) <> ''
  and value <> '全部'
order by dim, value
