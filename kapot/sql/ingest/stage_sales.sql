-- Stage the incoming sales lines (_incoming_sales) typed, flagged as returns and keyed: a
-- 64-bit hash of the line's content and its ordinal among identical lines, so loading the same
-- file again adds nothing and an overlapping export adds only its new lines.
CREATE OR REPLACE TEMP TABLE _sales_batch AS
WITH typed AS (
    SELECT CAST(date AS DATE) AS date, CAST(invoice_id AS VARCHAR) AS invoice_id,
           CAST(client_id AS VARCHAR) AS client_id, CAST(sku AS VARCHAR) AS sku,
           CAST(quantity AS DOUBLE) AS quantity, CAST(amount AS DOUBLE) AS amount,
           (quantity < 0 OR amount < 0) AS is_return,
           md5_number_lower(concat_ws('|', CAST(date AS DATE), coalesce(CAST(invoice_id AS VARCHAR), ''), client_id, sku,
                CAST(quantity AS DOUBLE), CAST(amount AS DOUBLE),
                row_number() OVER (PARTITION BY CAST(date AS DATE), invoice_id, client_id, sku, quantity, amount)
           )) AS line_key
    FROM _incoming_sales
),
final AS (
    SELECT * FROM typed
)
SELECT * FROM final
