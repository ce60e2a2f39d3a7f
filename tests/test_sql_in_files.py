"""SQL lives in kapot/sql: count the queries still written as Python strings.

A query string is a string literal (or f-string) that starts with SELECT, WITH, INSERT,
CREATE, UPDATE, DELETE, DROP, ALTER, COPY, DESCRIBE, PRAGMA, or a statement of its own such
as BEGIN, COMMIT, ROLLBACK, CHECKPOINT, ATTACH or DETACH. The issue's target is at most 30
across the package; the modules of other owners (the engine's, the seasonality's, the access
layer's) are counted apart so that they can move theirs. Run ``pytest -s`` to see the table.
"""

import ast
import re
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kapot"
QUERY = re.compile(
    r"^[\s(]*(SELECT|WITH|INSERT|CREATE|UPDATE|DELETE|DROP|ALTER|COPY|DESCRIBE|PRAGMA)\s"
    r"|^\s*(BEGIN|COMMIT|ROLLBACK|CHECKPOINT|ATTACH|DETACH)\b"
)
# modules whose queries their owners move (issue 11 leaves them alone)
OTHER_OWNERS = {
    "engine.py",
    "potential.py",
    "validation.py",
    "backtest.py",
    "seasonality.py",
    "auth.py",
    "access.py",
    "session.py",
    "server.py",
}
# queries in Python strings outside OTHER_OWNERS' modules (84 before issue 11; 27 after,
# transactions' BEGIN/COMMIT/ROLLBACK and CHECKPOINT counted)
BUDGET = 30


def query_strings(source: str) -> int:
    """How many string literals in ``source`` are SQL queries (an f-string counts once)."""
    tree = ast.parse(source)
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            found += bool(QUERY.match(node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            found += bool(QUERY.match(text))
    return found


def count(package: Path = PACKAGE) -> Counter:
    """Query strings per module (path relative to the package)."""
    got = Counter()
    for path in sorted(package.rglob("*.py")):
        n = query_strings(path.read_text(encoding="utf-8"))
        if n:
            got[str(path.relative_to(package))] = n
    return got


def test_the_counter_finds_queries_and_nothing_else():
    src = '''
a = "SELECT 1"
b = f"""
    WITH x AS (SELECT {a}) SELECT * FROM x"""
c = "Select the rows you want"   # prose, not a query
d = "selected"
e = ("DELETE FROM t WHERE id = $id")
f = "COMMIT"
g = "Begin with the largest"  # prose again
'''
    assert query_strings(src) == 4


def test_queries_left_in_python_strings():
    got = count()
    owners = {m: n for m, n in got.items() if Path(m).name in OTHER_OWNERS}
    ours = {m: n for m, n in got.items() if m not in owners}
    print()
    for module, n in sorted(got.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{n:4d}  {module}{'  (other owner)' if module in owners else ''}")
    print(
        f"{sum(got.values()):4d}  in all (target 30): {sum(ours.values())} outside the other "
        f"owners' modules, {sum(owners.values())} in theirs"
    )
    assert sum(ours.values()) <= BUDGET, ours
