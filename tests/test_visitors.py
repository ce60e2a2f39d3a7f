"""The bench's visitors without a browser and its floor pages (bench/visitors.py). A visit of
the real server through the page's protocol is tested in test_server.py, on its server."""

import asyncio
import json
import urllib.request

import nbformat

from bench.visitors import TABLE_MARK, StaticSite, floor_notebook, http_visit


def test_the_static_floor_serves_a_form_that_posts_to_the_table():
    with StaticSite() as site:
        form = urllib.request.urlopen(site.url, timeout=10).read().decode()
        assert 'name="username"' in form and 'name="password"' in form
        req = urllib.request.Request(site.url + "login", data=b"username=x&password=y")
        page = urllib.request.urlopen(req, timeout=10).read().decode()  # follows the redirect
        assert f'class="{TABLE_MARK}"' in page and "<table>" in page


def test_the_floor_notebook_is_one_markdown_cell_with_the_table(tmp_path):
    nb = nbformat.read(str(floor_notebook(tmp_path / "f.ipynb")), 4)
    assert [c.cell_type for c in nb.cells] == ["markdown"]
    assert TABLE_MARK in nb.cells[0].source and "<table>" in nb.cells[0].source


def test_a_visit_of_a_page_without_a_kernel_is_an_error_not_a_table():
    with StaticSite() as site:
        marks = asyncio.run(http_visit(site.url, "x", "y", timeout=10))
    # the static site's login answers with a redirect, but its page holds no kernel
    assert marks["error"] == "no kernel in the page (200: )" and "table" not in marks
    # the marks are plain figures the bench prints: they survive a JSON round trip unchanged
    assert json.loads(json.dumps(marks)) == marks


def test_a_refused_connection_is_counted_not_raised():
    marks = asyncio.run(http_visit("http://127.0.0.1:9/", "x", "y", timeout=5))
    assert marks["error"] and "form" not in marks
