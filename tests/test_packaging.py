"""What `pip install .` puts in the wheel: every Python package of kiosk and its data folders."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "kiosk").rglob("__init__.py")
    }
    assert found - listed == set(), "add them to [tool.setuptools] packages in pyproject.toml"


def test_the_data_folders_are_installed_under_their_own_names() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = config["tool"]["setuptools"]["package-dir"]
    assert folders == {
        "kiosk.templates": "templates",
        "kiosk.static": "static",
        "kiosk.badge_templates": "badges",
    }
    for name in folders:
        assert config["tool"]["setuptools"]["package-data"][name] == ["**/*"]
