-- Who client $client belongs to as of $as_of (manager, region), for an access check; and the
-- regions of manager $manager's own clients.
WITH profile AS (
    SELECT client_id, manager, region, coalesce(is_prospect, true) AS is_prospect
    FROM client_profile WHERE as_of = $as_of
),
final AS (
    SELECT client_id, manager, region, is_prospect FROM profile WHERE client_id = $client
)
SELECT * FROM final
