-- customers_rfm: RFM segments of the range's paying buyers: size, paid amount, and the
-- buyer ids of one segment.
-- params: $start, $end (date, inclusive), $src, $dev, $prov, $plat (varchar[]; null = all),
--         $cur (varchar; orders without a currency count as 'CNY'; null = all),
--         $segment (varchar: the segment whose buyer ids are listed; null = none)
-- grain: one row per segment that has buyers. Per buyer, over the selected paid orders
-- in the range: recency_days = $end - last paid day, frequency = paid orders, monetary =
-- paid amount. Scores 1-5: R and M by the quintiles of the range's buyers (quantile_cont
-- cut points; ties share a score; R: more recent scores higher), F by order count
-- (1, 2, 3, 4-5, 6+: most buyers order once, so quintiles of F would all be 1).
-- High = R or M score 4-5 (the top two quintiles), F score >= 2 (a repeat buyer).
-- Segments (stable keys; labels in the locales as customers.seg_<key>):
--   champions  R high F high M high     重要价值
--   loyal      R high F high M low      一般价值
--   promising  R high F low  M high     重要发展
--   new        R high F low  M low      新客
--   at_risk    R low  F high            流失风险 (repeat buyers gone quiet)
--   win_back   R low  F low  M high     重要挽留
--   lost       R low  F low  M low      已流失
-- buyer_ids: $segment's buyer ids, largest paid amount first (for the follow-up download;
-- ids only, never personal data); null in the other rows. Listing every segment's ids
-- (200k buyers at 10M lines) cost more than the segments, and the page shows only counts
-- until a download is asked for. From rollup_orders_buyer_orders.
-- Without filters a buyer's totals in the range are the difference of two of their rows
-- (the running totals of their last order in the range and of their last before it), found
-- by a filter on next_day: no group by over the range's orders. With a source, device,
-- province, platform or currency filter the running totals would count orders the filter
-- drops, so the range's selected orders are grouped by buyer.
-- used by: views/customers.py, `python -m shopsight customers`
with

-- each buyer's last paid order in the range: the next one is after it (or none)
last_in_range as (

    select buyer_id, day, orders_to_date, paid_to_date
    from rollup_orders_buyer_orders
    where ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end
      and buyer_id is not null
      and (next_day is null or next_day > $end)

),

-- their last paid order before the range: the next one is in it
last_before as (

    select buyer_id, orders_to_date, paid_to_date
    from rollup_orders_buyer_orders
    where ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day < $start
      and next_day between $start and $end

),

selected as (

    select buyer_id, day, paid_amount
    from rollup_orders_buyer_orders
    where not ss.unfiltered($src, $dev, $prov, $plat, $cur)
      and day between $start and $end
      and buyer_id is not null
      and ss.picked($src, source)
      and ss.picked($dev, device)
      and ss.picked($prov, province)
      and ss.picked($plat, platform)
      and ss.in_currency($cur, currency)

),

per_buyer as (

    select
        last_in_range.buyer_id,
        cast($end as date) - last_in_range.day as recency_days,
        last_in_range.orders_to_date - coalesce(last_before.orders_to_date, 0) as frequency,
        last_in_range.paid_to_date - coalesce(last_before.paid_to_date, 0) as monetary
    from last_in_range
    left join last_before using (buyer_id)

    union all

    select
        buyer_id,
        cast($end as date) - max(day),
        count(*),
        sum(paid_amount)
    from selected
    group by buyer_id

),

cuts as (

    select
        quantile_cont(recency_days, [0.2, 0.4, 0.6, 0.8]) as r_cuts,
        quantile_cont(monetary, [0.2, 0.4, 0.6, 0.8]) as m_cuts
    from per_buyer

),

scored as (

    select
        per_buyer.*,
        5 - (recency_days > r_cuts[1])::int - (recency_days > r_cuts[2])::int
          - (recency_days > r_cuts[3])::int - (recency_days > r_cuts[4])::int as r_score,
        case
            when frequency >= 6 then 5
            when frequency >= 4 then 4
            else frequency
        end as f_score,
        1 + (monetary > m_cuts[1])::int + (monetary > m_cuts[2])::int
          + (monetary > m_cuts[3])::int + (monetary > m_cuts[4])::int as m_score
    from per_buyer, cuts

),

segmented as (

    select
        *,
        case
            when r_score >= 4 and f_score >= 2 and m_score >= 4 then 'champions'
            when r_score >= 4 and f_score >= 2 then 'loyal'
            when r_score >= 4 and m_score >= 4 then 'promising'
            when r_score >= 4 then 'new'
            when f_score >= 2 then 'at_risk'
            when m_score >= 4 then 'win_back'
            else 'lost'
        end as segment
    from scored

)

select
    segment,
    count(*) as buyers,
    sum(frequency) as orders,
    sum(monetary) as paid_amount,
    avg(recency_days) as avg_recency_days,
    avg(frequency) as avg_frequency,
    avg(monetary) as avg_monetary,
    list(buyer_id order by monetary desc, buyer_id) filter (where segment = $segment)
        as buyer_ids
from segmented
group by segment
order by paid_amount desc
