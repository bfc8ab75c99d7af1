-- load_products_kept: after a 商品 load merged by coverage, the products of earlier loads of
--   the same platform on its days that its file does not list, and so were kept (a merge
--   covers the products its file lists: a category exported alone leaves the others, and
--   a re-export without a product keeps that product's old rows).
-- params: $load_id
-- grain: one row.
with

this_load as (

    select platform, first_day, last_day from _loads where load_id = $load_id

),

listed as (

    select distinct product_id from products where _load_id = $load_id

)

select count(distinct products.product_id) as products_kept
from products
join _loads as earlier on earlier.load_id = products._load_id
cross join this_load
where products._load_id <> $load_id
  and earlier.platform is not distinct from this_load.platform
  and ss.overlaps(products.date, products.date_end, this_load.first_day, this_load.last_day)
  and products.product_id not in (select product_id from listed where product_id is not null)
