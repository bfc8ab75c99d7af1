-- customers_signals: 加购 and 收藏 buyers per day from traffic, signals a forecast may use.
-- params: $end (date, inclusive; history up to it), $src, $dev (varchar[]; null = all)
-- grain: one row per day. Only one-day rows (a 7-day total cannot be split by day); a
-- column is NULL on days no row carries it.
-- used by: views/customers.py, `python -m shopsight forecast`
with

source as (

    select *
    from traffic
    where ss.day_inside(date, date_end, date, $end)  -- one-day rows up to $end
      and ss.picked($src, source)
      and ss.picked($dev, device)

)

select
    date as day,
    sum(add_to_cart_buyers) as add_to_cart_buyers,
    sum(favorite_buyers) as favorite_buyers
from source
group by date
order by date
