"""The code reads in one direction: apps import downwards only, no module cycle, and every module
imports in any order.

The layers, highest first: dashboard -> protocols -> incidents -> evidence -> observers ->
elections -> config (docs/architecture.md). `config.urls`, the root URLconf, wires every app's
views and is the one module of config that looks up.
"""

import ast
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

PROJECT = Path(__file__).resolve().parent.parent
LAYERS = ["config", "elections", "observers", "evidence", "incidents", "protocols", "checklists", "dashboard", "sms", "demo"]
WIRING = {"config.urls"}


def project_apps():
    """config and every installed app that lives in this checkout, lowest layer first when known."""
    local = [config.name for config in apps.get_app_configs() if Path(config.path).parent == PROJECT]
    return ["config", *sorted(local, key=lambda name: (LAYERS.index(name) if name in LAYERS else len(LAYERS), name))]


def app_modules():
    modules = {}
    for app in project_apps():
        for path in sorted((PROJECT / app).rglob("*.py")):
            relative = path.relative_to(PROJECT)
            if "migrations" in relative.parts:
                continue
            name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def module_level_imports(name, path, modules):
    """The project modules `name` imports when it is itself imported (not inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    statements = []
    for node in tree.body:
        statements.extend(node.body if isinstance(node, ast.If | ast.Try) else [node])
    for node in statements:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules}


@pytest.fixture(scope="module")
def graph():
    modules = app_modules()
    return {name: module_level_imports(name, path, modules) for name, path in modules.items()}


def test_no_app_imports_a_higher_layer(graph):
    upward = []
    for name, imported in graph.items():
        if name in WIRING or name.split(".")[0] not in LAYERS:
            continue
        level = LAYERS.index(name.split(".")[0])
        upward += [f"{name} -> {target}" for target in imported
                   if target.split(".")[0] in LAYERS and LAYERS.index(target.split(".")[0]) > level]
    assert upward == [], "a lower app imports a higher one (use a registry or a signal): " + ", ".join(upward)


def test_no_two_modules_import_each_other_even_through_others(graph):
    cycles, state = [], {}

    def visit(name, path):
        state[name] = "open"
        path.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path)
        path.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_app_module_imports_in_any_order(seed):
    """In a fresh interpreter, Django set up, every module of every app imported in a shuffled order."""
    names = sorted(app_modules())
    random.Random(seed).shuffle(names)
    code = ("import importlib, os, sys\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
            "import django\n"
            "django.setup()\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n")
    done = subprocess.run([sys.executable, "-c", code, *names], cwd=PROJECT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
