-- Clients in scope whose significant peak month as of $as_of is month $month, with the share
-- of their orders in it; largest 12-month revenue first.
WITH peaks AS (
    SELECT z.client_id, z.peak_month, z.source,
           [z.m01, z.m02, z.m03, z.m04, z.m05, z.m06, z.m07, z.m08, z.m09, z.m10, z.m11, z.m12][$month]
               AS peak_share
    FROM seasonality z
    WHERE z.as_of = $as_of AND z.seasonal AND z.peak_month = $month
),
final AS (
    SELECT z.client_id, coalesce(c.name, z.client_id) AS name, c.region, c.manager,
           z.peak_month, z.source, z.peak_share, f.revenue_12m,
           CAST($as_of AS DATE) - to_days(CAST(f.recency_days AS INTEGER)) AS last_purchase,
           f.pays_on_time
    FROM peaks z
    JOIN client_features f ON f.client_id = z.client_id AND f.as_of = $as_of
    LEFT JOIN clients c ON c.client_id = z.client_id
    WHERE (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
)
SELECT * FROM final ORDER BY revenue_12m DESC, client_id
