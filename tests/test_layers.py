"""The import graph stays one way: web -> services -> db. No service imports Flask, the web
layer or the command line; db.py imports no service; no view imports another view.

(To see the whole graph: ``pip install pydeps && pydeps kiosk --max-bacon 2``.)
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"
#: The web layer's shared parts; every other module in kiosk/web/ is a view.
WEB_SHARED = {"__init__", "pages", "roles", "lookups", "forms", "i18n", "security", "blueprints"}
#: Outside the service layer: the app factory and the command line (a package).
ENTRY_POINTS = {"kiosk/__init__.py", "kiosk/__main__.py"}
ENTRY_PACKAGES = ("cli", "web")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the file's own package
                here = module_name(path).split(".")
                anchor = here[: len(here) - node.level + (path.name == "__init__.py")]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "translations" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def is_view(path: Path) -> bool:
    return path.parent.name == "web" and path.stem not in WEB_SHARED


def test_services_import_neither_flask_nor_web_nor_cli() -> None:
    wrong = []
    for path in python_files():
        inside = path.relative_to(PACKAGE).parts
        if relative(path) in ENTRY_POINTS or inside[0] in ENTRY_PACKAGES:
            continue
        for name in imports_of(path):
            if name.split(".")[0] in ("flask", "flask_babel", "flask_wtf") or (
                name.startswith(("kiosk.web", "kiosk.cli"))
            ):
                wrong.append(f"{relative(path)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_db_imports_no_service() -> None:
    found = {n for n in imports_of(PACKAGE / "db.py") if n.startswith("kiosk")}
    allowed = ("kiosk.errors", "kiosk.migrations")  # the schema's history, no service
    assert all(n.startswith(allowed) for n in found), found


def test_no_view_imports_another_view() -> None:
    views = {module_name(p) for p in python_files() if is_view(p)}
    wrong = []
    for path in python_files():
        if path.parent.name != "web":
            continue
        for name in imports_of(path) & views:
            if path.stem == "__init__":
                continue  # init_web imports the views to register their routes
            wrong.append(f"{relative(path)} imports the view {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from kiosk.web import desk\n", encoding="utf-8")
    assert "kiosk.web.desk" in imports_of(sample)
