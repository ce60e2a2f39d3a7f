-- Store the company's currency $code, set by $source at $at.
INSERT OR REPLACE INTO settings VALUES ('currency', $code, $source, $at)
