"""Every public function, method and class of the library has a numpydoc docstring (issue 11,
STYLE.md): a summary, a ``Parameters`` section naming each parameter (and no other), a
``Returns`` (or ``Yields``) section when it returns something, and, for a frame, the columns it
must have.

Checked with numpydoc's own parser (``numpydoc.docscrape``), so a section it cannot read fails.
Modules still being documented are listed in ``tests/numpydoc_todo/*.txt`` (one file per
owner); a listed module that has no gap left fails too, so the lists only shrink.
"""

from __future__ import annotations

import ast
import warnings

from numpydoc.docscrape import NumpyDocString

from .conftest import ROOT
from .test_layout import FRAMEWORK_HOOKS, KNOWN_UNDOCUMENTED_METHODS

TODO = ROOT / "tests" / "numpydoc_todo"
_PROPERTY = {"property", "cached_property", "functools.cached_property"}


def _params(fn: ast.FunctionDef, *, method: bool) -> list[str]:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    if method and names and names[0] in ("self", "cls"):
        names = names[1:]
    if a.vararg:
        names.append("*" + a.vararg.arg)
    if a.kwarg:
        names.append("**" + a.kwarg.arg)
    return names


def _returns_something(fn: ast.FunctionDef) -> bool:
    if fn.returns is not None:
        return ast.unparse(fn.returns) not in ("None", "NoReturn")
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
    return False


def _decorators(fn: ast.FunctionDef) -> set[str]:
    return {ast.unparse(d) for d in fn.decorator_list}


def _parse(doc: str) -> NumpyDocString | str:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return NumpyDocString(doc)
        except Exception as e:  # numpydoc raises ValueError or warns on an unknown section
            return f"numpydoc cannot read it ({str(e).splitlines()[0][:80]})"


def _documented(parsed: NumpyDocString, section: str) -> set[str]:
    out = set()
    for p in parsed[section]:
        for name in p.name.split(","):
            out.add(name.strip())
    return out


def _check_function(fn: ast.FunctionDef, name: str, *, method: bool) -> list[str]:
    doc = ast.get_docstring(fn) or ""
    if not doc:
        return [f"{name}: no docstring"]
    if _decorators(fn) & _PROPERTY:
        return []  # a property: its summary line says what it is
    parsed = _parse(doc)
    if isinstance(parsed, str):
        return [f"{name}: {parsed}"]
    out = []
    params = _params(fn, method=method)
    documented = _documented(parsed, "Parameters") | _documented(parsed, "Other Parameters")
    bare = {p.lstrip("*") for p in params}
    if missing := [p for p in params if p not in documented and p.lstrip("*") not in documented]:
        out.append(f"{name}: Parameters does not name {', '.join(missing)}")
    if extra := sorted(d for d in documented if d not in params and d.lstrip("*") not in bare):
        out.append(f"{name}: Parameters names {', '.join(extra)}, not a parameter")
    if _returns_something(fn) and not (parsed["Returns"] or parsed["Yields"]):
        out.append(f"{name}: no Returns section")
    a = fn.args
    frames = [
        x.arg
        for x in a.posonlyargs + a.args + a.kwonlyargs
        if x.annotation is not None and "DataFrame" in ast.unparse(x.annotation)
    ]
    if frames and "column" not in doc.lower():
        out.append(f"{name}: takes a frame ({', '.join(frames)}), names no columns")
    return out


def _fields(cls: ast.ClassDef) -> list[str]:
    """A dataclass's public fields (what its generated ``__init__`` takes)."""
    if not any("dataclass" in ast.unparse(d) for d in cls.decorator_list):
        return []
    return [
        x.target.id
        for x in cls.body
        if isinstance(x, ast.AnnAssign)
        and isinstance(x.target, ast.Name)
        and not x.target.id.startswith("_")
        and "ClassVar" not in ast.unparse(x.annotation)
    ]


def _check_class(cls: ast.ClassDef) -> list[str]:
    doc = ast.get_docstring(cls) or ""
    if not doc:
        return [f"{cls.name}: no docstring"]
    init = next(
        (m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__init__"), None
    )
    params = _params(init, method=True) if init is not None else _fields(cls)
    if not params:
        return []
    parsed = _parse(doc)
    if isinstance(parsed, str):
        return [f"{cls.name}: {parsed}"]
    documented = (
        _documented(parsed, "Parameters")
        | _documented(parsed, "Other Parameters")
        | _documented(parsed, "Attributes")
    )
    if missing := [p for p in params if p not in documented and p.lstrip("*") not in documented]:
        what = "of __init__" if init is not None else "fields"
        return [f"{cls.name}: Parameters does not name {', '.join(missing)} ({what})"]
    return []


def numpydoc_gaps(text: str, module: str = "") -> list[str]:
    """What the module's public functions, methods and classes lack (see the module's doc)."""
    out = []
    known = KNOWN_UNDOCUMENTED_METHODS.get(module, set())
    for node in ast.parse(text).body:
        if not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ) or node.name.startswith("_"):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out += _check_function(node, node.name, method=False)
        elif isinstance(node, ast.ClassDef):
            out += _check_class(node)
            for m in node.body:
                if not isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) or m.name.startswith(
                    "_"
                ):
                    continue
                full = f"{node.name}.{m.name}"
                if m.name not in FRAMEWORK_HOOKS and full not in known:
                    out += _check_function(m, full, method=True)
    return out


def _todo() -> dict[str, str]:
    out = {}
    for f in sorted(TODO.glob("*.txt")):
        for line in f.read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                out[line.strip()] = f.name
    return out


def _library():
    for path in sorted((ROOT / "kapot").rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path


def test_every_public_function_has_a_numpydoc_docstring():
    todo = _todo()
    gaps = {}
    for name, path in _library():
        if name in todo:
            continue
        if g := numpydoc_gaps(path.read_text("utf-8"), name):
            gaps[name] = g
    assert not gaps, gaps


def test_the_todo_lists_only_shrink():
    names = dict(_library())
    todo = _todo()
    unknown = sorted(m for m in todo if m not in names)
    assert not unknown, f"not a module: {unknown}"
    done = sorted(m for m in todo if not numpydoc_gaps(names[m].read_text("utf-8"), m))
    assert not done, f"documented now: remove from tests/numpydoc_todo/: {done}"


def test_the_checker_sees_each_gap():
    good = '''"""m"""


def f(df, n: int = 2) -> int:
    """Count rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``client_id``, ``sku``.
    n : int
        At most.

    Returns
    -------
    int
        The count.
    """
    return 1
'''
    assert numpydoc_gaps(good) == []
    no_param = good.replace("    n : int\n        At most.\n", "")
    assert numpydoc_gaps(no_param) == ["f: Parameters does not name n"]
    extra = good.replace("n : int", "m : int")
    assert numpydoc_gaps(extra) == [
        "f: Parameters does not name n",
        "f: Parameters names m, not a parameter",
    ]
    no_returns = good.replace("    Returns\n    -------\n    int\n        The count.\n", "")
    assert numpydoc_gaps(no_returns) == ["f: no Returns section"]
    returns_none = no_returns.replace("-> int", "-> None").replace("return 1", "pass")
    assert numpydoc_gaps(returns_none) == []
    framed = good.replace("def f(df,", "def f(df: pd.DataFrame,").replace("Columns", "Rows")
    framed = framed.replace("``client_id``, ``sku``", "clients")
    assert numpydoc_gaps(framed) == ["f: takes a frame (df), names no columns"]
    cls = '"""m"""\n\n\nclass C:\n    """A thing."""\n\n    def __init__(self, x):\n        pass\n'
    assert numpydoc_gaps(cls) == ["C: Parameters does not name x (of __init__)"]
    method = '"""m"""\n\n\nclass C:\n    """A thing."""\n\n    def go(self, y) -> int:\n'
    method += '        """Go."""\n        return y\n'
    assert numpydoc_gaps(method) == [
        "C.go: Parameters does not name y",
        "C.go: no Returns section",
    ]
    data = '"""m"""\n\n\n@dataclass\nclass D:\n    """A record."""\n\n    a: int\n    _b: int = 0\n'
    assert numpydoc_gaps(data) == ["D: Parameters does not name a (fields)"]
    data_ok = data.replace(
        '"""A record."""',
        '"""A record.\n\n    Attributes\n    ----------\n    a : int\n        A.\n    """',
    )
    assert numpydoc_gaps(data_ok) == []
    prop = method.replace("    def go(self, y)", "    @property\n    def go(self)")
    assert numpydoc_gaps(prop) == []
