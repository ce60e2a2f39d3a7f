-- Who buys $kind ('category' or 'sku') $item as of $as_of, from the published item_buyers
-- (marts/item_buyers): per dimension value (industry, region, size tier, peak month), buyers,
-- their share among buyers, the share among all clients and the lift.
WITH everyone AS (
    SELECT dimension, value, buyers AS clients
    FROM item_buyers WHERE as_of = $as_of AND kind = 'all'
),
item AS (
    SELECT dimension, value, buyers
    FROM item_buyers WHERE as_of = $as_of AND kind = $kind AND item = $item
),
joined AS (
    SELECT e.dimension, e.value, coalesce(i.buyers, 0) AS buyers, e.clients
    FROM everyone e LEFT JOIN item i USING (dimension, value)
),
shares AS (
    SELECT dimension, value, buyers,
           buyers / nullif(sum(buyers) OVER (PARTITION BY dimension), 0) AS share_of_buyers,
           clients / sum(clients) OVER (PARTITION BY dimension) AS share_of_all
    FROM joined
),
final AS (
    SELECT *, share_of_buyers / nullif(share_of_all, 0) AS lift FROM shares
)
SELECT * FROM final ORDER BY dimension, buyers DESC, value
