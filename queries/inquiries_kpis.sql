-- inquiries_kpis: 1688 询盘 totals in a date range: inquiries, closed, customers, deal amount.
-- params: $start, $end (date, inclusive), $prov (varchar[]; null = all)
-- grain: one row. closed counts rows with closed = true (null = not closed); amount sums the
-- deal amount of closed inquiries (null when no closed row carries one).
-- used by: views/inquiries.py, shopsight/period_report.py (inquiries section)
with

source as (

    select * from inquiries
    where date between $start and $end
      and ss.picked($prov, province)

),

totals as (

    select
        count(*) as count_inquiries,
        count(*) filter (where closed) as count_closed,
        count(distinct customer_id) as count_customers,
        count(amount) filter (where closed) as count_amount_rows,
        sum(amount) filter (where closed) as amount
    from source

)

select * from totals
