-- One row per client as of $as_of: who it is (clients), its features, segments and peak
-- month. What the calculator, the card and the reports show of a client.
WITH features AS (
    SELECT * FROM client_features WHERE as_of = $as_of
),
segments AS (
    SELECT * FROM segments WHERE as_of = $as_of
),
seasonality AS (
    SELECT * FROM seasonality WHERE as_of = $as_of
),
final AS (
    SELECT f.client_id, c.name, c.region, c.city, c.industry, c.manager, c.inn,
           c.contact_person, c.phone, c.email,
           f.is_prospect, f.revenue_12m, f.trend_12m, f.pays_on_time, f.off_assortment_share,
           f.overdue_reorder, f.median_days_between_orders, f.recency_days,
           g.size_tier, g.rfm_segment, g.abc, g.abc_xyz, g.cluster_code,
           z.peak_month, z.peak_pm, z.seasonal, z.source AS peak_source,
           z.m01, z.m02, z.m03, z.m04, z.m05, z.m06, z.m07, z.m08, z.m09, z.m10, z.m11, z.m12
    FROM features f
    LEFT JOIN clients c USING (client_id)
    LEFT JOIN segments g USING (client_id)
    LEFT JOIN seasonality z USING (client_id)
)
SELECT * FROM final ORDER BY client_id
