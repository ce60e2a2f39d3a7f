-- Clients in scope whose ABC/XYZ class or RFM segment changed between the runs of $previous
-- and $as_of (present in both; two prospects are no movement).
WITH now AS (
    SELECT * FROM segments WHERE as_of = $as_of
),
before AS (
    SELECT * FROM segments WHERE as_of = $previous
),
final AS (
    SELECT a.client_id, coalesce(c.name, a.client_id) AS name, c.manager,
           p.abc AS abc_from, a.abc AS abc_to,
           p.abc_xyz AS abc_xyz_from, a.abc_xyz AS abc_xyz_to,
           p.rfm_segment AS rfm_from, a.rfm_segment AS rfm_to, f.revenue_12m
    FROM now a
    JOIN before p ON p.client_id = a.client_id
    JOIN client_features f ON f.client_id = a.client_id AND f.as_of = a.as_of
    LEFT JOIN clients c ON c.client_id = a.client_id
    WHERE (CAST($region AS VARCHAR) IS NULL OR c.region = $region)
      AND (CAST($manager AS VARCHAR) IS NULL OR c.manager = $manager)
      AND (a.abc_xyz IS DISTINCT FROM p.abc_xyz OR a.rfm_segment IS DISTINCT FROM p.rfm_segment)
      AND NOT (a.rfm_segment = 'prospect' AND p.rfm_segment = 'prospect')
)
SELECT * FROM final
