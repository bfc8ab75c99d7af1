-- macros: the rules the page queries share, written once (filters, the whole-period rule,
--   the blocks several queries open with).
-- params: none. shopsight.queries.install_macros runs this file on every connection that
-- runs queries, into the in-memory catalog `ss`: attached databases are seen by every cursor
-- of the instance (temp macros are not), it works on read-only files and on DuckLake, and
-- nothing is stored in the workspace (so nothing to rebuild when a rule changes).
-- Macros are expanded when a query is bound: they cost nothing at run time.

-- A multi-choice filter (varchar[]): nothing picked (null) lets every row through.
create or replace macro ss.picked(sel, v) as
    sel is null or list_contains(sel, v);

-- Money of one currency: rows that name none are CNY (every load's default); a null cur
-- keeps every row (one currency loaded, or amounts converted after).
create or replace macro ss.in_currency(cur, c) as
    cur is null or coalesce(c, 'CNY') = cur;

-- No source, device, province, platform or currency filter: the shop as a whole, where the
-- rollups' per-buyer marks and running totals hold; under any filter a buyer's previous
-- order may be one the filter drops, so queries group the selected rows instead.
create or replace macro ss.unfiltered(src, dev, prov, plat, cur) as
    src is null and dev is null and prov is null and plat is null and cur is null;

-- The whole-period rule (DESIGN §2): a row of day d, or of the period d..d_end, counts in
-- the range s..e only when its whole period lies inside it.
create or replace macro ss.inside(d, d_end, s, e) as
    d >= s and coalesce(d_end, d) <= e;

-- The row's period touches s..e (rows that touch but are not inside are "left out").
create or replace macro ss.overlaps(d, d_end, s, e) as
    d <= e and coalesce(d_end, d) >= s;

-- A one-day row (not a period total, which cannot be split by day) of a day in s..e.
create or replace macro ss.day_inside(d, d_end, s, e) as
    d between s and e and coalesce(d_end, d) = d;

-- The first and last day a dataset covers (rows of day or time d, or of the period
-- d..d_end), and its row count (date_bounds).
create or replace macro ss.span(kind, d, d_end) as table
    select
        kind as kind,
        cast(min(d) as date) as first_day,
        cast(max(coalesce(d_end, d)) as date) as last_day,
        count(*) as count_rows
    from query_table(kind);

-- Rows of a dated dataset (traffic, products, regions) touching the range s..e or the
-- compare range cmp_s..cmp_e (null = no compare range), with their period and where they
-- count: is_current / is_compare (whole period inside), overlaps_current (touches s..e).
create or replace macro ss.period_rows(kind, s, e, cmp_s, cmp_e) as table
    select
        *,
        date as first_day,
        coalesce(date_end, date) as last_day,
        ss.inside(date, date_end, s, e) as is_current,
        ss.inside(date, date_end, cmp_s, cmp_e) as is_compare,
        ss.overlaps(date, date_end, s, e) as overlaps_current
    from query_table(kind)
    where ss.overlaps(date, date_end, least(s, cmp_s), greatest(e, cmp_e));

-- Rows of an order rollup (rollup_orders_daily_region, rollup_orders_region_buyers) of
-- the days s..e that pass the order filters and are in the currency cur. The rollup is a parameter: a table named in a
-- macro must exist when the macro is created, one given as a parameter is looked up when a
-- query uses it.
create or replace macro ss.order_rollup(rollup, s, e, src, dev, prov, plat, cur) as table
    select *
    from query_table(rollup)
    where day between s and e
      and ss.picked(src, source)
      and ss.picked(dev, device)
      and ss.picked(prov, province)
      and ss.picked(plat, platform)
      and ss.in_currency(cur, currency);

-- What paid lines sell, summed over a group of order lines: the orders with a paid line,
-- their units, an amount (the lines' own sales, the order's paid amount or its refunds).
-- Unpaid orders sell nothing (they carry what they would have cost). Aggregates, for a
-- select with a group by; bigint and decimal(18, 2), as the rollups store them.
create or replace macro ss.paid_orders(order_id, paid) as
    count(distinct order_id) filter (where paid);

create or replace macro ss.paid_units(quantity, paid) as
    cast(sum(quantity) filter (where paid) as bigint);

create or replace macro ss.paid_money(amount, paid) as
    cast(sum(amount) filter (where paid) as decimal(18, 2));

-- Order lines summed per day × product × SKU × platform × currency, and per source and
-- device (by_channel) or per province (by_province): the rows of the product rollups
-- (rollup_orders_daily_channel_product, _province_product; the column not kept is null).
-- Lines without a product key are left out. The lines are a parameter for the reason
-- above, which also lets a rollup refresh narrow them with a CTE named like the table.
create or replace macro ss.product_line_sums(by_channel, by_province, lines := 'orders') as table
    select
        cast(order_time as date) as day,
        product_id,
        sku_id,
        platform,
        currency,
        case when by_channel then source end as source,
        case when by_channel then device end as device,
        case when by_province then province end as province,
        max(product_name) as product_name,
        count(*) as count_lines,
        ss.paid_orders(order_id, paid) as orders,
        ss.paid_units(quantity, paid) as units_sold,
        ss.paid_money(line_amount, paid) as paid_amount,
        ss.paid_money(refund_amount, paid) as refund_amount
    from query_table(lines)
    where product_id is not null
    group by all;

-- Order lines summed per day × product × SKU in s..e (a day's rows may be split further,
-- by platform, currency, source or device: callers sum them) that pass the order filters
-- and are in the currency cur, read from the smallest table that answers: the daily
-- product rollup without a source, device or province filter, the one per source and
-- device with such a filter, the one per province with a province filter, the order lines
-- with a province and a source or device filter (a rollup keeping all three would have a
-- row for about every second line). Paid lines only sell; orders add up across a day's
-- rows (an order is on one day, platform, province, source and device).
-- The tables are parameters for the reason above.
create or replace macro ss.product_days(
    s, e, src, dev, prov, plat, cur,
    daily := 'rollup_orders_daily_product',
    channels := 'rollup_orders_daily_channel_product',
    provinces := 'rollup_orders_daily_province_product',
    lines := 'orders'
) as table
    select day, product_id, sku_id, product_name, orders, units_sold, paid_amount, refund_amount
    from query_table(daily)
    where src is null and dev is null and prov is null
      and day between s and e
      and ss.picked(plat, platform)
      and ss.in_currency(cur, currency)
    union all
    select day, product_id, sku_id, product_name, orders, units_sold, paid_amount, refund_amount
    from query_table(channels)
    where (src is not null or dev is not null) and prov is null
      and day between s and e
      and ss.picked(src, source)
      and ss.picked(dev, device)
      and ss.picked(plat, platform)
      and ss.in_currency(cur, currency)
    union all
    select day, product_id, sku_id, product_name, orders, units_sold, paid_amount, refund_amount
    from query_table(provinces)
    where src is null and dev is null and prov is not null
      and day between s and e
      and ss.picked(prov, province)
      and ss.picked(plat, platform)
      and ss.in_currency(cur, currency)
    union all
    select
        cast(order_time as date) as day,
        product_id,
        sku_id,
        max(product_name) as product_name,
        ss.paid_orders(order_id, paid) as orders,
        ss.paid_units(quantity, paid) as units_sold,
        ss.paid_money(line_amount, paid) as paid_amount,
        ss.paid_money(refund_amount, paid) as refund_amount
    from query_table(lines)
    where prov is not null and (src is not null or dev is not null)
      and product_id is not null
      and order_time >= cast(cast(s as date) as timestamp)
      and order_time < cast(cast(e as date) + 1 as timestamp)
      and ss.picked(src, source)
      and ss.picked(dev, device)
      and ss.picked(prov, province)
      and ss.picked(plat, platform)
      and ss.in_currency(cur, currency)
    group by 1, 2, 3;

-- Rows of one main-image test (null = every test) in start_date..end_date (null = open);
-- the table is a parameter for the reason above. A row with more clicks than impressions
-- (the two columns swapped for a day) cannot be counted: it is left out, and the rows left
-- out are these rows with swapped := true (abtest_variants counts them per variant).
create or replace macro ss.image_test_rows(
    test, start_date, end_date, tests := 'image_tests', swapped := false
) as table
    select *
    from query_table(tests)
    where (test is null or test_id = test)
      and (start_date is null or "date" >= cast(start_date as date))
      and (end_date is null or "date" <= cast(end_date as date))
      and coalesce(clicks > impressions, false) = swapped;
