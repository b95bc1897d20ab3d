"""Data flows one way: no module imports from a layer above its own (docs/architecture.md).

Layers, lowest first; a module may import its own layer and those below. The method registry's
loaders are the one sanctioned exception: they import the method packages (models/,
baselines/, plugins) by name, which is how a registry finds what registers itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

LAYERS = [
    (
        "geoinpaint",
        "geoinpaint.atomic",
        "geoinpaint.io",
        "geoinpaint.noise",
        "geoinpaint.runtime",
        "geoinpaint.registry",
        "geoinpaint.provenance",
    ),
    ("geoinpaint.data", "geoinpaint.masks"),
    ("geoinpaint.testsets", "geoinpaint.metrics", "geoinpaint.stats"),
    ("geoinpaint.nn", "geoinpaint.training"),
    ("geoinpaint.tasks",),
    ("geoinpaint.methods",),
    ("geoinpaint.models", "geoinpaint.baselines"),
    (
        "geoinpaint.evaluation",
        "geoinpaint.timing",
        "geoinpaint.reporting",
        "geoinpaint.experiments",
        "geoinpaint.config",
    ),
    ("geoinpaint.cli",),
]
ALLOWED = {
    ("geoinpaint.methods.registry", "geoinpaint.baselines"),
    ("geoinpaint.methods.registry", "geoinpaint.models"),
}
FOLDERS = {
    "geoinpaint": "geoinpaint",
    "models": "geoinpaint.models",
    "baselines": "geoinpaint.baselines",
}


def layer_of(module: str) -> int:
    best, level = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, level = len(name), i
    assert level >= 0, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return level


def modules() -> dict[str, Path]:
    out = {}
    for folder, prefix in FOLDERS.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            out[".".join((prefix, *parts))] = path
    return out


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("geoinpaint")}


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for module, path in modules().items():
        for target in imports(path):
            if any(module.startswith(a) and target.startswith(b) for a, b in ALLOWED):
                continue
            if layer_of(target) > layer_of(module):
                upward.append(f"{module} -> {target}")
    assert not upward, "imports from a higher layer:\n" + "\n".join(sorted(upward))


def test_no_module_is_longer_than_about_300_lines_without_saying_why():
    long = []
    for module, path in modules().items():
        text = path.read_text()
        if text.count("\n") > 320 and "Longer than" not in text[:3000]:
            long.append(f"{module} ({text.count(chr(10))} lines)")
    assert not long, "split these or say why in the docstring ('Longer than ...'): " + ", ".join(
        long
    )
