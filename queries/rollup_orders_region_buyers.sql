-- rollup_orders_region_buyers: paying buyers per day × province × city × source × device
--   × platform × currency,
-- deduplicated, so distinct buyers can be counted exactly for any date range, per
-- province or for the whole shop.
-- params: none (built at load time by workspace.rebuild_rollups, inside the load transaction)
-- grain: one row per distinct (day, province, city, source, device, platform, currency,
-- buyer) among lines of
-- paid orders (paid; unpaid orders have buyers who ordered, not paying buyers).
--
-- Why: distinct buyers cannot be summed across days, and count(distinct buyer_id) over
-- 10M order lines takes over a second. Choice (a) of the design: an exact dedup rollup,
-- not approx_count_distinct, because 支付买家数 is compared with 生意参谋's exact numbers.
-- buyer_key is hash(buyer_id): 64-bit, so two buyers collide with odds of about 1e-6 even
-- at 10M buyers; counted as exact.
--
-- Two marks make the common cases (no source/device filter) a plain filtered count:
-- previous_paid_day is set on one row per (province, buyer, day) and holds the buyer's
-- latest earlier paid day in that province; previous_shop_paid_day is set on one row per
-- (buyer, day) and holds the buyer's latest earlier paid day anywhere (0001-01-01 when
-- none; NULL on the other rows). A buyer paid within [$start, $end] exactly when one of
-- their rows in the range has a mark < $start (the first paid day in the range), so
--     count(*) filter (where previous_paid_day < $start) ... where day between $start and $end
-- is the distinct count per province, and the same with previous_shop_paid_day the
-- shop's; count(previous_shop_paid_day) per day is the buyers of each day. Which row of a
-- group carries the mark does not matter (rows of a group share day and province), so
-- the windows sort by numbers only. With source/device/platform filters, or per city, queries
-- fall back to distinct counts over the (smaller) filtered rows.
-- Sorted by day so a date range reads only its own row groups.
-- used by: queries/regions_orders.sql, overview_kpis_orders.sql, overview_daily_buyers.sql
create or replace table rollup_orders_region_buyers as

with

paid as (

    select distinct
        cast(order_time as date) as day,
        province,
        city,
        source,
        device,
        platform,
        currency,
        hash(buyer_id) as buyer_key
    from orders
    where paid
      and buyer_id is not null

),

marked as (

    -- within a partition, rows of one day are adjacent: the first of them gets the
    -- previous day, the others the same day (no mark)
    select
        *,
        lag(day) over (partition by province, buyer_key order by day) as previous_row_day,
        lag(day) over (partition by buyer_key order by day) as previous_shop_row_day
    from paid

)

select
    day,
    province,
    city,
    source,
    device,
    platform,
    currency,
    buyer_key,
    case
        when previous_row_day is null then date '0001-01-01'
        when previous_row_day < day then previous_row_day
    end as previous_paid_day,
    case
        when previous_shop_row_day is null then date '0001-01-01'
        when previous_shop_row_day < day then previous_shop_row_day
    end as previous_shop_paid_day
from marked
order by day
