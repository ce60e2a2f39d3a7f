-- Existing clients in scope at risk as of $as_of: a trend at or below $falling, an overdue
-- reorder, or overdue invoices open at the date.
WITH flagged AS (
    SELECT f.client_id, f.revenue_12m, f.trend_12m,
           coalesce(f.trend_12m <= $falling, false) AS falling_trend,
           coalesce(f.overdue_reorder, false) AS overdue_reorder,
           f.expected_next_order,
           f.overdue_amount > 0 AS overdue_invoices,
           f.overdue_amount
    FROM client_features f
    WHERE f.as_of = $as_of AND NOT f.is_prospect AND f.revenue_24m > 0
),
final AS (
    SELECT f.client_id, coalesce(c.name, f.client_id) AS name, c.region, c.manager,
           f.revenue_12m, f.trend_12m, f.falling_trend, f.overdue_reorder,
           f.expected_next_order, f.overdue_invoices, f.overdue_amount
    FROM flagged f LEFT JOIN clients c USING (client_id)
    WHERE (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
      AND (f.falling_trend OR f.overdue_reorder OR f.overdue_invoices)
)
SELECT * FROM final
