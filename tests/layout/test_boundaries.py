"""Who may import whom in app/ (CONTRIBUTING.md, "The layout"), read from the source itself.

- An area (a feature blueprint: app/<area>/) imports only the core and app/talon/, never
  another area: not its routes, not its helpers, not its templates.
- The core (every other module of app/, app/talon/ included) imports no area. The one exception
  is the app factory, app/__init__.py, which registers the areas' blueprints.
- Templates follow the same rule: an area's templates include, import or extend only its own
  (``<area>/...``) and the core's (app/templates/); the core's include no area's. A view
  renders only its own area's templates and the core's.

Imports inside functions count the same as those at the top of a module, so a lazy import
cannot hide a dependency (or a cycle). Every package of app/ is either an area or core: a new
one has to be put on one side here, and in CONTRIBUTING.md.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
# Feature areas: one blueprint each, with its routes, forms and templates.
AREAS = frozenset({"admin", "audiences", "audit", "campaigns", "coupons", "customers", "explain",
                   "loyalty", "main", "profiles", "search", "sessions"})
# Packages of the core: the service layer, the bulk-job engine, accounts and logins.
CORE_PACKAGES = frozenset({"talon", "bulk", "auth"})
# The core's single modules (app/*.py), each drawn in CONTRIBUTING.md; a new one is added here.
CORE_MODULES = frozenset({
    "assets", "audit_log", "changes", "config", "customer_profiles", "errors", "extensions",
    "formatting", "forms", "handoff", "home_panels", "models", "navigation", "permissions", "promotions", "recent",
    "request_timing", "routing", "security", "sorting", "streaming", "talon_failures", "templating",
    "upload_limits", "validators", "why_not",
    # the job queue (Huey, per app) and its worker process (python -m app.worker)
    "queue", "worker",
    # caps on points added or deducted by hand, and the console's ledger of them (issue 17)
    "points_caps",
})
FACTORY = APP / "__init__.py"

TEMPLATE_REFERENCE = re.compile(r"""{%-?\s*(?:include|import|from|extends)\s+["']([^"']+)["']""")
RENDERED = re.compile(r"""render_(?:template|section)\(\s*f?["']([^"'{]+)["']"""
                      r"""(?:\s*,\s*f?["']([^"'{]+)["'])?""")


def area_of(path: Path) -> str | None:
    """The area a file of app/ belongs to (a module or a template), None for the core."""
    parts = path.relative_to(APP).parts
    return parts[0] if len(parts) > 1 and parts[0] in AREAS else None


def area_of_template(name: str) -> str | None:
    first = name.split("/", 1)[0]
    return first if "/" in name and first in AREAS else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path):
    """(dotted name as a list, line) of every import in ``path``, anywhere in the file; for
    ``from x import y`` the name is x.y (y may be a module or a name in x)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            # "from app import loyalty" names the area in the alias, "from app.loyalty import
            # cards" in the module: look at both.
            names = [target] + [target + [alias.name] for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        else:
            continue
        for name in names:
            yield name, node.lineno


def imported_areas(path: Path) -> set[tuple[str, int]]:
    """(area, line) of every app.<area> module that ``path`` imports, anywhere in the file."""
    return {(name[1], line) for name, line in imported_names(path)
            if len(name) > 1 and name[0] == "app" and name[1] in AREAS}


def import_graph() -> dict[str, set[str]]:
    """app's modules (the factory aside) and the app modules each imports, lazily or not."""
    modules = {module_name(path): path for path in python_files()}
    graph = {}
    for module, path in modules.items():
        if path == FACTORY:
            continue
        by_line: dict[int, set[str]] = {}
        for name, line in imported_names(path):
            while name and ".".join(name) not in modules:
                name = name[:-1]
            if name:
                by_line.setdefault(line, set()).add(".".join(name))
        # "from . import client" yields the package and app.talon.client: the module is meant
        graph[module] = {name for names in by_line.values() for name in names
                         if not any(other.startswith(name + ".") for other in names)
                         } - {module, "app"}
    return graph


def python_files():
    return sorted(p for p in APP.rglob("*.py") if "static" not in p.parts)


def template_files():
    return sorted(APP.rglob("*.html"))


def test_every_package_is_an_area_or_core():
    packages = {p.parent.name for p in APP.glob("*/*.py")}
    assert packages == AREAS | CORE_PACKAGES, (
        "classify each package of app/ as an area or core (here and in CONTRIBUTING.md): "
        f"{sorted(packages ^ (AREAS | CORE_PACKAGES))}")


def test_every_module_of_the_core_is_classified():
    modules = {p.stem for p in APP.glob("*.py")} - {"__init__"}
    assert modules == CORE_MODULES, (
        "name each module of app/ in CORE_MODULES (here) and draw it in CONTRIBUTING.md: "
        f"{sorted(modules ^ CORE_MODULES)}")


def test_the_worker_is_the_only_core_module_that_builds_the_app():
    """app.worker imports the factory (it builds the app as `web:` does); nothing else in the
    core may, or the factory's imports would come back to it."""
    builders = sorted(module_name(p) for p in python_files() if p != FACTORY
                      and any(name in (["app", "create_app"],) for name, _ in imported_names(p)))
    assert builders == ["app.worker"], builders


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(APP)))
def test_modules_import_no_other_area(path):
    own = area_of(path)
    if path == FACTORY:
        return  # the app factory registers every area's blueprint
    wrong = sorted((area, line) for area, line in imported_areas(path) if area != own)
    who = f"the {own} area" if own else "the core"
    assert not wrong, f"{path.relative_to(APP)}: {who} imports " + ", ".join(
        f"app.{area} (line {line})" for area, line in wrong)


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(APP)))
def test_views_render_only_their_own_and_core_templates(path):
    own = area_of(path)
    rendered = {name for match in RENDERED.finditer(path.read_text()) for name in match.groups() if name}
    wrong = sorted(n for n in rendered if area_of_template(n) not in (None, own))
    assert not wrong, f"{path.relative_to(APP)} renders another area's templates: {wrong}"


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(APP)))
def test_templates_use_only_their_own_and_core_templates(path):
    own = area_of(path)
    used = set(TEMPLATE_REFERENCE.findall(path.read_text()))
    wrong = sorted(n for n in used if area_of_template(n) not in (None, own))
    who = f"the {own} area" if own else "the core"
    assert not wrong, f"{path.relative_to(APP)}: {who} uses another area's templates: {wrong}"


def test_no_module_of_app_imports_itself_back():
    """No import cycle among app's modules, not even through an import inside a function (the
    auth <-> admin, campaigns <-> coupons and permissions <-> audit cycles are gone; between
    areas a cycle cannot arise since an area imports no other)."""
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def package_graph() -> dict[str, set[str]]:
    """import_graph() with each package of app/ (app.bulk, app.talon, app.auth, an area) as one
    node: what a package's modules import, lazily or not, is what the package imports."""
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])
    graph: dict[str, set[str]] = {}
    for module, imports in import_graph().items():
        graph.setdefault(package(module), set()).update(package(name) for name in imports)
    return {node: imports - {node} for node, imports in graph.items()}


def test_no_package_of_app_imports_itself_back():
    """No cycle between packages either: a core module that a package's pages use (templating,
    errors) imports nothing of that package, not even inside a function. What both need goes
    into a lower module (the bulk list limits: app/upload_limits.py, not app/bulk/reader.py)."""
    try:
        graphlib.TopologicalSorter(package_graph()).prepare()
    except graphlib.CycleError as cycle:
        pytest.fail(f"import cycle between packages: {' -> '.join(cycle.args[1])}")


def test_a_cycle_would_be_found(tmp_path, monkeypatch):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "one.py").write_text("def f():\n    from . import two\n")
    (tmp_path / "app" / "two.py").write_text("from .one import f\n")
    this = __import__(__name__, fromlist=["APP"])
    monkeypatch.setattr(this, "APP", tmp_path / "app")
    monkeypatch.setattr(this, "FACTORY", tmp_path / "app" / "__init__.py")
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(import_graph()).prepare()


def test_a_lazy_cycle_between_packages_would_be_found(tmp_path, monkeypatch):
    """The pattern the bulk limits had: a core module imports a package's module inside a
    function, and another module of that package imports the core module. No module imports
    itself back, but the package does."""
    fake_app = tmp_path / "app"
    (fake_app / "bulk").mkdir(parents=True)
    (fake_app / "templating.py").write_text("def register():\n    from .bulk.reader import limits\n")
    (fake_app / "bulk" / "__init__.py").write_text("")
    (fake_app / "bulk" / "reader.py").write_text("def limits():\n    return 1\n")
    (fake_app / "bulk" / "pages.py").write_text("from ..templating import register\n")
    this = __import__(__name__, fromlist=["APP"])
    monkeypatch.setattr(this, "APP", fake_app)
    monkeypatch.setattr(this, "FACTORY", fake_app / "__init__.py")
    graphlib.TopologicalSorter(import_graph()).prepare()  # no cycle of modules
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(package_graph()).prepare()


def test_the_rule_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    """The checker itself: an import inside a function, relative or absolute, is found."""
    fake_app = tmp_path / "app"
    (fake_app / "customers").mkdir(parents=True)
    module = fake_app / "customers" / "sections.py"
    module.write_text("import app.loyalty.cards\n\n"
                      "def later():\n    from ..coupons.routes import thing\n"
                      "    from app import audit, formatting\n"
                      "    from . import sections\n    from .. import templating\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["APP"]), "APP", fake_app)
    assert {area for area, _ in imported_areas(module)} == {"loyalty", "coupons", "audit",
                                                            "customers"}
    assert area_of(module) == "customers"
