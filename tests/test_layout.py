"""The package's layering, checked: stages import only downward (the import-linter contracts in
pyproject.toml), and a stage uses another stage only through its packages' public API."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import litecoder_harbor

PACKAGE = Path(litecoder_harbor.__file__).parent
STAGES = {"gen", "validate", "collect", "curate", "train", "eval", "publish"}
"""Stage packages: their modules are internal; their packages (`__init__`) are the API."""


def test_import_contracts_hold():
    lint = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run(
        [str(lint), "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def _is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def test_no_stage_reaches_into_another_stage():
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = path.relative_to(PACKAGE).parts[0]
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] != "litecoder_harbor" or len(parts) < 3:
                continue
            if parts[1] in STAGES and parts[1] != own and not _is_package(module):
                offences.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert not offences, "\n".join(offences)


def test_the_checks_see_a_wrong_import(tmp_path):
    """The rule above flags what it should: a module path of another stage."""
    probe = tmp_path / "probe.py"
    probe.write_text("from litecoder_harbor.validate.engine import validate_tasks\n")
    assert _imports(probe) == ["litecoder_harbor.validate.engine"]
    assert not _is_package("litecoder_harbor.validate.engine")
    assert _is_package("litecoder_harbor.validate")


def test_test_modules_have_unique_names():
    """pytest imports test modules by file name (no packages under tests/), so two modules of
    one name in different folders stop the whole run at collection."""
    names = Counter(path.name for path in Path(__file__).parent.rglob("test_*.py"))
    assert not [name for name, count in names.items() if count > 1]
