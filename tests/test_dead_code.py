"""No dead code in the library (issue 11): vulture finds no function, method, class, attribute
or variable that nothing in kapot/, bench/, tests/, the notebooks or the page's template uses.

What vulture cannot see being used (a framework calls it by name, or a library reads the
attribute) is listed in ``USED_BY_NAME`` with the reason; a listed name vulture no longer
reports fails too, so the list never goes stale.
"""

from __future__ import annotations

import json
import re

import vulture

from .conftest import ROOT

# name -> who uses it without kapot's code naming it
USED_BY_NAME = {
    "__getattr__": "PEP 562 lazy module attributes (kapot, kapot.pipeline)",
    "write_error": "tornado's RequestHandler hook",
    "auth_enabled": "jupyter_server's IdentityProvider",
    "login_available": "jupyter_server's IdentityProvider",
    "logout_available": "jupyter_server's IdentityProvider",
    "get_handlers": "jupyter_server's IdentityProvider",
    "validate_security": "jupyter_server's IdentityProvider",
    "ssl_options": "jupyter_server's IdentityProvider.validate_security signature",
    "user_to_cookie": "jupyter_server's IdentityProvider",
    "user_from_cookie": "jupyter_server's IdentityProvider",
    "get_user": "jupyter_server's IdentityProvider",
    "identity_provider_class": "jupyter_server's ServerApp trait",
    "font": "openpyxl cell attribute",
    "number_format": "openpyxl cell attribute",
    "freeze_panes": "openpyxl worksheet attribute",
}


def _notebook_code(tmp_path) -> list[str]:
    out = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text("utf-8"))["cells"]
        code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code").replace(
            "%", "#"
        )
        path = tmp_path / f"{nb.stem}.py"
        path.write_text(code, "utf-8")
        out.append(str(path))
    return out


def _unused(tmp_path) -> list:
    v = vulture.Vulture()
    paths = [str(ROOT / d) for d in ("kapot", "bench", "tests")] + _notebook_code(tmp_path)
    v.scavenge(paths)
    templates = " ".join(
        p.read_text("utf-8", errors="replace")
        for p in (ROOT / "kapot" / "templates").rglob("*")
        if p.is_file()
    )
    return [
        u
        for u in v.get_unused_code(min_confidence=60)
        if str(u.filename).startswith(str(ROOT / "kapot"))
        and not re.search(rf"\b{re.escape(u.name)}\b", templates)  # a word, not a substring
    ]


def test_no_dead_code(tmp_path):
    found = [
        f"{u.filename.relative_to(ROOT)}:{u.first_lineno}: {u.typ} {u.name}"
        for u in _unused(tmp_path)
        if u.name not in USED_BY_NAME
    ]
    assert not found, "unused (remove it, or list who uses it in USED_BY_NAME):\n" + "\n".join(
        found
    )


def test_every_listed_name_is_still_reported(tmp_path):
    reported = {u.name for u in _unused(tmp_path)}
    assert not set(USED_BY_NAME) - reported, set(USED_BY_NAME) - reported


def test_vulture_sees_an_unused_function(tmp_path):
    (tmp_path / "m.py").write_text("def used():\n    pass\n\n\ndef dead():\n    pass\n\n\nused()\n")
    v = vulture.Vulture()
    v.scavenge([str(tmp_path / "m.py")])
    assert [u.name for u in v.get_unused_code(min_confidence=60)] == ["dead"]
