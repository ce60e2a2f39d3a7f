"""The layout's limits: no module over 500 lines and no class over 200 (issue 11).

The modules their owners are still splitting are listed once, in ``KNOWN_OVER``; the lead
empties it as the splits land. A module listed there that has come under the limits fails too,
so the list never goes stale.
"""

import ast
import io
import re
import tokenize

from .conftest import ROOT

MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 200

# module (path from the repository's root) -> who splits it. Only modules over a limit today are listed;
# the other owners' modules (potential, validation, backtest, auth, access, session, server)
# are within the limits already and must stay so
KNOWN_OVER = {}


def _modules(root=ROOT):
    """The library's modules and the bench's (outside the package, held to the same limits)."""
    for top in ("kapot", "bench"):
        for path in sorted((root / top).rglob("*.py")):
            yield path.relative_to(root).as_posix(), path


def _oversized(path) -> list[str]:
    text = path.read_text("utf-8")
    out = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        out.append(f"{lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            if size > MAX_CLASS_LINES:
                out.append(f"class {node.name}: {size} lines (limit {MAX_CLASS_LINES})")
    return out


def test_no_module_over_500_lines_and_no_class_over_200():
    over = {name: why for name, path in _modules() if (why := _oversized(path))}
    unexpected = {k: v for k, v in over.items() if k not in KNOWN_OVER}
    assert not unexpected, f"over the limits: {unexpected}"


def test_known_exceptions_are_still_needed():
    names = dict(_modules())
    stale = [k for k in KNOWN_OVER if k not in names or not _oversized(names[k])]
    assert not stale, f"within the limits now (or gone): remove from KNOWN_OVER: {stale}"


def test_the_checker_sees_a_long_module_and_a_long_class(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_CLASS_LINES))
    f = tmp_path / "big.py"
    f.write_text("class Big:\n" + body + "\n" + "y = 1\n" * MAX_MODULE_LINES)
    found = _oversized(f)
    assert any(s.startswith("class Big:") for s in found) and any(
        "lines (limit" in s for s in found
    )
    f.write_text("class Small:\n    x = 1\n")
    assert _oversized(f) == []


# methods that override a framework's hook (tornado, jupyter_server, Voila): documented there
FRAMEWORK_HOOKS = {
    "get",
    "post",
    "open",
    "write_error",
    "init_settings",
    "init_handlers",
    "auth_enabled",
    "login_available",
    "logout_available",
    "get_handlers",
    "validate_security",
    "set_login_cookie",
    "user_to_cookie",
    "user_from_cookie",
    "get_user",
}
# public methods still without a docstring, in their owners' modules (the engine's, the
# server's): the owners document them; a method listed here that has one fails too
KNOWN_UNDOCUMENTED_METHODS: dict[str, set[str]] = {}


def _check(node, doc: str, name: str) -> list[str]:
    if not doc:
        return [f"{name}: no docstring"]
    if isinstance(node, ast.FunctionDef):
        args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        frames = [a.arg for a in args if a.annotation and "DataFrame" in ast.unparse(a.annotation)]
        if frames and "column" not in doc.lower():
            return [f"{name}: takes a frame ({', '.join(frames)}), names no columns"]
    return []


def _undocumented(text: str) -> list[str]:
    """Public top-level functions and classes, and public methods of public classes, without a
    docstring, and those taking a DataFrame whose docstring does not say which columns it must
    have."""
    out = []
    tree = ast.parse(text)
    if not ast.get_docstring(tree):
        out.append("module docstring")
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.ClassDef) or node.name.startswith("_"):
            continue
        out += _check(node, ast.get_docstring(node) or "", node.name)
        if isinstance(node, ast.ClassDef):
            for m in node.body:
                if (
                    isinstance(m, ast.FunctionDef)
                    and not m.name.startswith("_")
                    and m.name not in FRAMEWORK_HOOKS
                ):
                    out += _check(m, ast.get_docstring(m) or "", f"{node.name}.{m.name}")
    return out


def test_every_public_function_has_a_docstring_naming_the_columns_of_its_frames():
    gaps = {}
    for name, path in _modules():
        known = {f"{m}: no docstring" for m in KNOWN_UNDOCUMENTED_METHODS.get(name, ())}
        if g := [x for x in _undocumented(path.read_text("utf-8")) if x not in known]:
            gaps[name] = g
    assert not gaps, gaps


def test_known_undocumented_methods_are_still_undocumented():
    names = dict(_modules())
    stale = {}
    for module, methods in KNOWN_UNDOCUMENTED_METHODS.items():
        found = set(_undocumented(names[module].read_text("utf-8")))
        if gone := {m for m in methods if f"{m}: no docstring" not in found}:
            stale[module] = gone
    assert not stale, f"documented now: remove from KNOWN_UNDOCUMENTED_METHODS: {stale}"


def test_the_docstring_checker_sees_what_is_missing():
    text = '"""m"""\nimport pandas as pd\n\n\ndef f(df: pd.DataFrame) -> int:\n    """Rows."""\n'
    assert _undocumented(text) == ["f: takes a frame (df), names no columns"]
    assert _undocumented(text.replace("Rows.", "Rows; columns a, b.")) == []
    assert _undocumented("def g():\n    pass\n") == ["module docstring", "g: no docstring"]


def _layout_section() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    return text[text.index("## Layout") : text.index("## Architecture")]


def _unnamed(section: str) -> list[str]:
    """Modules (by name; a package by its folder's) and SQL folders the layout never names."""
    out = []
    for name, path in _modules():
        stem = path.parent.name if path.stem in ("__init__", "__main__") else path.stem
        if not re.search(rf"\b{re.escape(stem)}\b", section):
            out.append(name)
    for folder in sorted(p for p in (ROOT / "kapot" / "sql").iterdir() if p.is_dir()):
        if not re.search(rf"\b{folder.name}\b", section):
            out.append(f"kapot/sql/{folder.name}/")
    return out


def test_the_readmes_layout_names_every_module_and_sql_folder():
    assert _unnamed(_layout_section()) == []
    # and the checker sees a module the layout leaves out
    assert "kapot/models/timing.py" in _unnamed(_layout_section().replace("timing", "t-ming"))


def test_the_docstring_checker_sees_a_method_without_one():
    text = (
        '"""m"""\n\n\nclass C:\n    """c"""\n\n    def f(self, df: "pd.DataFrame"):\n        pass\n'
    )
    text += "\n    def get(self):\n        pass\n"
    assert _undocumented(text) == ["C.f: no docstring"]
    assert _undocumented(text.replace("pass", '"""Rows."""', 1)) == [
        "C.f: takes a frame (df), names no columns"
    ]


# Modules without a test module of their own yet: tests/mirror_todo/<owner>.txt, one line each,
# "kapot/x/y.py  test_a.py test_b.py" (the module, then the test modules that exercise it
# today). A module listed there that gets its own test module fails, so the lists only shrink.
MIRROR_TODO = ROOT / "tests" / "mirror_todo"
# a top package's modules are tested one by one; its __init__ has no test module of its own
_TOP_PACKAGES = {"kapot", "store", "models", "faces", "cli", "server", "pipeline"}


def _tested_elsewhere() -> dict[str, tuple[str, ...]]:
    out = {}
    for f in sorted(MIRROR_TODO.glob("*.txt")):
        for line in f.read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                module, *where = line.split()
                out[module] = tuple(where)
    return out


def _own_test_modules(path) -> set[str]:
    """A module's own test module: tests/test_<module>.py, or tests/<package>/test_<module>.py
    where two subpackages hold modules of one name (faces/report/ and faces/weekly/); a
    subpackage's __init__ is tested by test_<package>.py. A subpackage's test module does not
    count for the subpackage's other modules."""
    stem = path.parent.name if path.stem == "__init__" else path.stem
    own = {f"test_{stem}.py"}
    if path.stem != "__init__":
        own.add(f"{path.parent.name}/test_{stem}.py")
    return own


def _test_modules(root=ROOT) -> set[str]:
    return {p.relative_to(root / "tests").as_posix() for p in (root / "tests").rglob("test_*.py")}


def _without_test_module(root=ROOT) -> list[str]:
    """The library's modules with no test module of their own (see :func:`_own_test_modules`)."""
    tests = _test_modules(root)
    out = []
    for name, path in _modules(root):
        if not name.startswith("kapot/") or path.stem == "__main__":
            continue
        if path.stem == "__init__" and path.parent.name in _TOP_PACKAGES:
            continue  # a top package's __init__: its modules are tested
        if not _own_test_modules(path) & tests:
            out.append(name)
    return out


def test_tests_mirror_the_modules():
    elsewhere = _tested_elsewhere()
    missing = _without_test_module()
    assert sorted(set(missing) - set(elsewhere)) == [], "without a test module of their own"
    stale = sorted(set(elsewhere) - set(missing))
    assert stale == [], f"has its own test module now: remove from tests/mirror_todo/: {stale}"
    assert all(set(where) <= _test_modules() for where in elsewhere.values())


def test_the_mirror_check_sees_a_module_without_its_test_module(tmp_path):
    for f in (
        "kapot/__init__.py",
        "kapot/store/__init__.py",
        "kapot/store/ingest.py",
        "kapot/store/unload.py",
        "kapot/faces/page/__init__.py",
        "kapot/faces/page/list_view.py",
        "kapot/faces/report/changes.py",
        "kapot/cli/__main__.py",
        "tests/test_ingest.py",
        "tests/test_page.py",
        "tests/report/test_changes.py",
    ):
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("")
    # unload has none, nor has the page's list view (the page's test module is the page's
    # own); __main__ and a top package's __init__ need none; report/changes has its own
    assert _without_test_module(tmp_path) == [
        "kapot/faces/page/list_view.py",
        "kapot/store/unload.py",
    ]
    (tmp_path / "tests" / "test_unload.py").write_text("")
    (tmp_path / "tests" / "page").mkdir()
    (tmp_path / "tests" / "page" / "test_list_view.py").write_text("")
    assert _without_test_module(tmp_path) == []


# the agreed module-level comment that covers every import inside a function of its module:
# its block of comment lines says why, with a measured figure (the CLI's command modules)
MODULE_IMPORTS_COMMENT = "# imports inside functions:"


def _comments(text: str) -> tuple[set[int], set[int]]:
    """Lines holding a comment, and lines that are only a comment (tokenized, so a ``#`` in a
    string is none)."""
    anywhere, alone = set(), set()
    code = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            anywhere.add(tok.start[0])
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            code.update(range(tok.start[0], tok.end[0] + 1))
    alone = anywhere - code
    return anywhere, alone


def _module_comment(text: str) -> bool:
    """Whether a top-level comment block of the agreed form, with a figure, covers the module."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(MODULE_IMPORTS_COMMENT):
            block = [line]
            for nxt in lines[i + 1 :]:
                if not nxt.startswith("#"):
                    break
                block.append(nxt)
            return bool(re.search(r"\d", " ".join(block)))
    return False


def _uncommented_imports(text: str) -> list[str]:
    """Imports inside a function without a comment saying why: on the import's line(s), on the
    comment line above it (or above the run of imports it belongs to), or the module's comment
    of the agreed form."""
    if _module_comment(text):
        return []
    anywhere, alone = _comments(text)
    out = []
    for fn in ast.walk(ast.parse(text)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for body in (getattr(n, f, None) for n in ast.walk(fn) for f in ("body", "orelse")):
            if not isinstance(body, list):
                continue
            head = None  # the first line of the run of imports the statement belongs to
            for stmt in body:
                if not isinstance(stmt, ast.Import | ast.ImportFrom):
                    head = None
                    continue
                head = head or stmt.lineno
                own = any(n in anywhere for n in range(stmt.lineno, stmt.end_lineno + 1))
                if not (own or stmt.lineno - 1 in alone or head - 1 in alone):
                    out.append(f"line {stmt.lineno}: {ast.unparse(stmt)}")
    return sorted(set(out), key=lambda s: int(s.split()[1].rstrip(":")))


def test_every_import_inside_a_function_says_why():
    missing = {}
    for name, path in _modules():
        if name.startswith("kapot/") and (gaps := _uncommented_imports(path.read_text("utf-8"))):
            missing[name] = gaps
    assert not missing, f"imports inside functions with no comment saying why: {missing}"


def test_the_import_checker_sees_an_uncommented_import():
    text = "def f():\n    x = 1\n    import json\n\n    return json, x\n"
    assert _uncommented_imports(text) == ["line 3: import json"]
    # a comment on the line, or on the line above the import or above its run of imports
    assert _uncommented_imports(text.replace("import json", "import json  # 0.1 s")) == []
    above = "def f():\n    # 1.2 s to import\n    import json\n    import csv\n\n    return 1\n"
    assert _uncommented_imports(above) == []
    # ... not a comment further up, nor a '#' inside a string, nor code on the line above
    far = "def f():\n    # why\n    x = '#'\n    import json\n"
    assert _uncommented_imports(far) == ["line 4: import json"]
    nested = "def f():\n    if True:  # cheap\n        import json\n"
    assert _uncommented_imports(nested) == ["line 3: import json"]
    # the module's comment of the agreed form covers it, only with a figure
    assert _uncommented_imports(f"{MODULE_IMPORTS_COMMENT} 0.36 s at start-up\n" + text) == []
    assert _uncommented_imports(f"{MODULE_IMPORTS_COMMENT} start-up\n" + text) != []


# none: every module uses only other modules' public names
KNOWN_PRIVATE_IMPORTS: dict[str, set[str]] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports(text: str) -> set[str]:
    """Private names (one leading underscore) this module takes from another of kapot's or the
    bench's: ``from kapot.x import _y``, or ``x._y`` on a module it imported (``import kapot.x
    as x``, ``from kapot import x``). Each as ``module._name``."""
    tree = ast.parse(text)
    ours = ("kapot", "bench")
    modules: dict[str, str] = {}  # local name -> the kapot module (or name) it is bound to
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ours:
            for a in node.names:
                if _private(a.name):
                    out.add(f"{node.module}.{a.name}")
                modules[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in ours:
                    if a.asname:
                        modules[a.asname] = a.name
                    else:
                        modules[a.name.split(".")[0]] = a.name.split(".")[0]
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        dotted = ast.unparse(node.value)
        head, _, rest = dotted.partition(".")
        if head in modules:
            out.add(f"{modules[head]}{'.' + rest if rest else ''}.{node.attr}")
    return out


def test_no_module_imports_another_modules_private_name():
    found = {}
    for name, path in _modules():
        got = _private_imports(path.read_text("utf-8")) - KNOWN_PRIVATE_IMPORTS.get(name, set())
        if got:
            found[name] = sorted(got)
    assert not found, f"make these public (or move them where they belong): {found}"


def test_known_private_imports_are_still_there():
    names = dict(_modules())
    stale = {
        module: gone
        for module, known in KNOWN_PRIVATE_IMPORTS.items()
        if (gone := known - _private_imports(names[module].read_text("utf-8")))
    }
    assert not stale, f"public now: remove from KNOWN_PRIVATE_IMPORTS: {stale}"


def test_the_private_import_checker_sees_both_spellings():
    text = (
        "from kapot.i18n import _catalogue, tr\nfrom kapot import i18n\n\ni18n._current.clear()\n"
    )
    assert _private_imports(text) == {"kapot.i18n._catalogue", "kapot.i18n._current"}
    text = "import kapot.models.harmonic as h\nimport numpy as np\n\nh._peak(np._core)\n"
    assert _private_imports(text) == {"kapot.models.harmonic._peak"}
    public = "from kapot.i18n import tr\nfrom kapot import __version__\nimport kapot\n\nkapot.x.y\n"
    assert _private_imports(public) == set()
    assert _private_imports("class C:\n    def f(self):\n        return self._x\n") == set()


# none: every public signature is hinted
KNOWN_UNHINTED: dict[str, set[str]] = {}


def _unhinted(text: str) -> dict[str, list[str]]:
    """Public functions, and public methods (``__init__`` too) of public classes, whose
    parameters (``self``/``cls`` aside) or return (``__init__``'s aside) carry no type hint:
    name -> what lacks one."""
    out = {}

    def check(fn, name: str, method: bool) -> None:
        a = fn.args
        args = a.posonlyargs + a.args + a.kwonlyargs
        static = any(ast.unparse(d) == "staticmethod" for d in fn.decorator_list)
        if method and not static and args and args[0].arg in ("self", "cls"):
            args = args[1:]
        missing = [x.arg for x in args if x.annotation is None]
        missing += [f"*{x.arg}" for x in [a.vararg] if x is not None and x.annotation is None]
        missing += [f"**{x.arg}" for x in [a.kwarg] if x is not None and x.annotation is None]
        if fn.returns is None and fn.name != "__init__":
            missing.append("return")
        if missing:
            out[name] = missing

    functions = ast.FunctionDef | ast.AsyncFunctionDef
    for node in ast.parse(text).body:
        if isinstance(node, functions) and not node.name.startswith("_"):
            check(node, node.name, method=False)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for m in node.body:
                if isinstance(m, functions) and (
                    not m.name.startswith("_") or m.name == "__init__"
                ):
                    check(m, f"{node.name}.{m.name}", method=True)
    return out


def test_every_public_signature_has_type_hints():
    gaps = {}
    for name, path in _modules():
        if not name.startswith("kapot/"):
            continue
        known = KNOWN_UNHINTED.get(name, set())
        if found := {k: v for k, v in _unhinted(path.read_text("utf-8")).items() if k not in known}:
            gaps[name] = found
    assert not gaps, f"type hints missing (PEP 604): {gaps}"


def test_known_unhinted_are_still_unhinted():
    names = dict(_modules())
    stale = {
        module: gone
        for module, known in KNOWN_UNHINTED.items()
        if (gone := known - set(_unhinted(names[module].read_text("utf-8"))))
    }
    assert not stale, f"hinted now: remove from KNOWN_UNHINTED: {stale}"


def test_the_hint_checker_sees_each_gap():
    text = (
        "def f(a: int, b, *args, c: str = '', **kw) -> None:\n    pass\n\n\n"
        "def g(x: int):\n    pass\n\n\n"
        "def _private(x):\n    pass\n\n\n"
        "class C:\n"
        "    def __init__(self, n) -> None:\n        pass\n\n"
        "    def __repr__(self):\n        return ''\n\n"
        "    @classmethod\n    def make(cls, n: int) -> 'C':\n        pass\n\n"
        "    @staticmethod\n    def pure(self) -> int:\n        pass\n\n"
        "    async def go(self, path=None):\n        pass\n\n\n"
        "class _Hidden:\n    def f(self, x):\n        pass\n"
    )
    assert _unhinted(text) == {
        "f": ["b", "*args", "**kw"],
        "g": ["return"],
        "C.__init__": ["n"],
        "C.pure": ["self"],
        "C.go": ["path", "return"],
    }
    hinted = "def f(a: int | None = None, *args: str, **kw: object) -> dict[str, int]:\n    pass\n"
    assert _unhinted(hinted) == {}
