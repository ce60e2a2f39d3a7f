"""kapot.runner: query files run with bound parameters; a hostile value stays data."""

import duckdb
import pytest

from kapot import runner

HOSTILE = "x'); DROP TABLE sales; --"


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE sales (date DATE, client_id VARCHAR, amount DOUBLE)")
    c.execute("INSERT INTO sales VALUES ('2026-01-05', $c, 1.5)", {"c": HOSTILE})
    yield c
    c.close()


def test_a_query_file_runs_with_its_parameters_bound(con):
    assert runner.scalar(con, "staging/sales_before", as_of="2026-01-06") == 1
    assert runner.scalar(con, "staging/sales_before", as_of="2026-01-05") == 0
    con.execute(
        "CREATE TABLE card_categories AS SELECT $c AS client_id, 'bolts' AS category, "
        "3.0 AS revenue, DATE '2026-02-01' AS as_of",
        {"c": HOSTILE},
    )
    # a hostile client id is compared as a value, never run as SQL
    got = runner.query(con, "read/card_categories", as_of="2026-02-01", client=HOSTILE)
    assert got["category"].tolist() == ["bolts"]
    none = runner.query(con, "read/card_categories", as_of="2026-02-01", client="x' OR '1'='1")
    assert none.empty
    assert runner.has_table(con, "sales") and not runner.has_table(con, HOSTILE)


def test_query_names_and_identifiers_are_checked():
    for bad in ("../schema", "marts/../x", "Marts/x", "", "x.sql"):
        with pytest.raises(ValueError, match="not a query name"):
            runner.sql(bad)
    assert runner.identifier("card_monthly") == '"card_monthly"'
    for bad in ('x"; DROP TABLE sales; --', "Sales", "a b", ""):
        with pytest.raises(ValueError, match="not a table name"):
            runner.identifier(bad)


def test_every_query_file_ends_in_final_and_binds_its_values():
    """Each file under kapot/sql (but the schema) is a CTE chain ending in ``final``."""
    from importlib import resources

    root = resources.files("kapot").joinpath("sql")
    names = [
        f"{d.name}/{f.name[:-4]}"
        for d in root.iterdir()
        if d.is_dir() and not d.name.startswith("_")
        for f in d.iterdir()
        if f.name.endswith(".sql")
    ]
    assert len(names) >= 15
    for name in names:
        text = runner.sql(name)
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
        if body.split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "DROP"):
            continue  # a statement, not a query
        assert "final AS (" in body and "FROM final" in body, name
        assert "{" not in body, name  # nothing formatted into the text
