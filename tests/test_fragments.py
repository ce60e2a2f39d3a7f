"""kapot.faces.weekly.fragments: the report's shared HTML pieces."""

import re

import pandas as pd

from kapot.faces.display import Column
from kapot.faces.weekly.fragments import CLIENT_COLUMNS, Raw, table_rows


def test_one_table_money_rows_then_count_rows():
    frame = pd.DataFrame({"what": ["Revenue", "Orders"], "this_week": [1234.5, 17.0]})
    money = [Column("what", ""), Column("this_week", "report.col_this_week", "money")]
    counts = [Column("what", ""), Column("this_week", "report.col_this_week", "int")]
    out = table_rows(frame, money, counts, money_rows=1, lang="en")
    assert out.count("<table") == 1 and out.count("<tr") == 3  # header, money row, count row
    cells = re.findall(r'<td class="num">([^<]*)</td>', out)
    assert cells[1] == "17" and "1,23" in cells[0] and cells[0] != "1234.5"


def test_raw_displays_its_fragment_and_client_columns_name_the_clients():
    assert Raw("<b>x</b>")._repr_html_() == "<b>x</b>"
    assert [c.name for c in CLIENT_COLUMNS] == ["name", "region", "manager"]
