-- rollup_orders_region_buyers: paying buyers per day × province × city × source × device,
-- deduplicated, so distinct buyers per region can be counted exactly for any date range.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per distinct (day, province, city, source, device, buyer) among paid lines.
--
-- Why: distinct buyers cannot be summed across days, and count(distinct buyer_id) over
-- 10M order lines takes over a second. Choice (a) of the design: an exact dedup rollup,
-- not approx_count_distinct, because 支付买家数 is compared with 生意参谋's exact numbers.
-- buyer_key is hash(buyer_id): 64-bit, so two buyers collide with odds of about 1e-6 even
-- at 10M buyers; counted as exact.
--
-- previous_paid_day makes the common case (no source/device filter) a plain filtered
-- count: it is set on one row per (province, buyer, day) -- the first in the sort order
-- below -- and holds the buyer's latest earlier paid day in that province
-- (0001-01-01 when none). A buyer paid in a province within [$start, $end] exactly when
-- one of their rows in the range has previous_paid_day < $start (the first paid day in
-- the range), so
--     count(*) filter (where previous_paid_day < $start) ... where day between $start and $end
-- is the distinct count per province. With source/device filters, or per city, pages fall
-- back to count(distinct buyer_key) on the (smaller) filtered rows.
-- used by: queries/regions_orders.sql
create or replace table rollup_orders_region_buyers as

with

paid as (

    select distinct
        cast(order_time as date) as day,
        province,
        city,
        source,
        device,
        hash(buyer_id) as buyer_key
    from orders
    where paid_amount > 0
      and buyer_id is not null

),

marked as (

    select
        *,
        lag(day) over (
            partition by province, buyer_key
            order by day, city, source, device
        ) as previous_row_day
    from paid

)

select
    day,
    province,
    city,
    source,
    device,
    buyer_key,
    case
        when previous_row_day is null then date '0001-01-01'
        when previous_row_day < day then previous_row_day
    end as previous_paid_day
from marked
order by day
