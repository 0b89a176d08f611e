"""The package is a tree of layers: no module imports one from a higher layer, and no cycles.

Layers, lowest first (see docs/architecture.md):

0. ``_errors``, ``_version``: nothing of tpm_fit;
1. ``_model``: declarations (vocabulary, profile, rulebook format, primitives, results);
2. ``_engine``: evaluation (the kernel, the seat, ``recommend()``, counterfactuals);
3. ``_verify``: exact proofs over the breakpoint grid;
4. ``_analysis``: how firm a verdict is (margins, acceptability, sensitivity);
5. ``_render``: every renderer, keyed by (kind, format) (text, Markdown, HTML, CSV, JSON);
6. ``_batch``, ``_records``, ``_hiring``: features built on the layers below;
7. ``_cli``, ``_server``: the command line; the decision service (``tpm-fit serve``);
8. ``testing``, ``__init__``, ``__main__``: the public surface.

The only imports that go up are the lazy ones inside convenience methods of the public models
(``Recommendation.explain()``, ``Rulebook.verify()``, ...), which the allow-list below names one
by one, so that a new upward import is a decision, not an accident.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1] / "src" / "tpm_fit"

RANK = {
    "_errors": 0,
    "_version": 0,
    "_model": 1,
    "_engine": 2,
    "_verify": 3,
    "_analysis": 4,
    "_render": 5,
    "_batch": 6,
    "_records": 6,
    "_hiring": 6,
    "_cli": 7,
    "_server": 7,
    "testing": 8,
    "__init__": 8,
    "__main__": 8,
}

#: Convenience methods of public models that may import a higher layer when called:
#: (module, function) pairs.
ALLOWED_UPWARD = {
    ("tpm_fit._model.result", "explain"),
    ("tpm_fit._model.result", "to_markdown"),
    ("tpm_fit._model.result", "_repr_html_"),
    ("tpm_fit._model.result", "counterfactuals"),
    ("tpm_fit._model.result", "used_rulebook"),
    ("tpm_fit._model.result", "robustness"),
    ("tpm_fit._model.result", "brief"),
    ("tpm_fit._model.rulebook", "verify"),
    ("tpm_fit._model.rulebook", "sensitivity"),
    ("tpm_fit._model.rulebook", "_repr_html_"),
    ("tpm_fit._model.verification", "to_text"),
    ("tpm_fit._model.verification", "_repr_html_"),
    ("tpm_fit._engine.counterfactual", "__str__"),
    ("tpm_fit._analysis.robustness", "to_text"),
    ("tpm_fit._analysis.sensitivity", "to_text"),
}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    function: str | None  # enclosing function, None at module level
    type_only: bool


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _visit(node: ast.AST, where: tuple[str, str], function: str | None, type_only: bool) -> list[Import]:
    """Imports of tpm_fit under ``node``; ``where`` is (module, its package)."""
    module, package = where
    found: list[Import] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            found += _visit(child, where, function, True)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            found += _visit(child, where, child.name, type_only)
        elif isinstance(child, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - child.level + 1] if child.level else []
            target = ".".join([*base, child.module] if child.module else base)
            if target.startswith("tpm_fit"):
                found.append(Import(module, target, function, type_only))
        else:
            found += _visit(child, where, function, type_only)
    return found


def _imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found += _visit(ast.parse(path.read_text(encoding="utf-8")), (module, package), None, False)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


IMPORTS = _imports()


def test_every_module_belongs_to_a_known_layer() -> None:
    layers = {_layer(_module(path)) for path in ROOT.rglob("*.py")}
    assert layers <= set(RANK), sorted(layers - set(RANK))


@pytest.mark.parametrize("item", [i for i in IMPORTS if i.function is None and not i.type_only], ids=str)
def test_module_level_imports_never_go_up(item: Import) -> None:
    assert RANK[_layer(item.target)] <= RANK[_layer(item.source)], (
        f"{item.source} (layer {_layer(item.source)}) imports {item.target} (higher layer "
        f"{_layer(item.target)}) at module level"
    )


def test_upward_imports_are_only_the_allowed_convenience_methods() -> None:
    upward = {
        (i.source, i.function)
        for i in IMPORTS
        if not i.type_only and RANK[_layer(i.target)] > RANK[_layer(i.source)]
    }
    assert all(function is not None for _, function in upward)
    assert upward <= ALLOWED_UPWARD, sorted(upward - ALLOWED_UPWARD)


def test_module_level_imports_have_no_cycles() -> None:
    cycle = _cycle(_graph(lazy=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


#: The edges allowed to close a cycle in the whole import graph (lazy imports included): the
#: convenience methods of public models, which call a layer above when (and only when) they are
#: called. (source module, function) -> the module it imports; each one is needed
#: (``test_every_allowed_cycle_edge_is_needed``), so the list stays as short as it can be. The
#: other models' rendering methods (``RoleBrief.to_markdown()``, ``Replay.to_text()``, ...) close
#: no cycle: their renderers import models for types only.
ALLOWED_CYCLE_EDGES = {
    # Recommendation.explain() / to_markdown() / _repr_html_: thin calls into the render registry,
    # whose recommendation renderer reads the margins (firmness) and the rulebook (risk inputs).
    ("tpm_fit._model.result", "explain"): "tpm_fit._render",
    ("tpm_fit._model.result", "to_markdown"): "tpm_fit._render",
    ("tpm_fit._model.result", "_repr_html_"): "tpm_fit._render",
    # Recommendation.robustness(): the analysis reads the result's own trace and thresholds.
    ("tpm_fit._model.result", "robustness"): "tpm_fit._analysis.robustness",
    # Recommendation.counterfactuals(): the engine re-scores the result's profile (and a
    # Counterfactual renders itself through the registry, which reads the result's margins).
    ("tpm_fit._model.result", "counterfactuals"): "tpm_fit._engine.counterfactual",
    # Recommendation.brief(): the role brief is built from the result.
    ("tpm_fit._model.result", "brief"): "tpm_fit._hiring.brief",
    # Rulebook.verify() / sensitivity(): the proofs and the analysis run the rulebook through the kernel.
    ("tpm_fit._model.rulebook", "verify"): "tpm_fit._verify.verifier",
    ("tpm_fit._model.rulebook", "sensitivity"): "tpm_fit._analysis.sensitivity",
    # Rulebook._repr_html_, VerificationReport.to_text() / _repr_html_: the render registry, whose
    # renderers of these two read the kernel's input names and the verification models.
    ("tpm_fit._model.rulebook", "_repr_html_"): "tpm_fit._render",
    ("tpm_fit._model.verification", "to_text"): "tpm_fit._render",
    ("tpm_fit._model.verification", "_repr_html_"): "tpm_fit._render",
    # RoleBrief.summarize_panel(): the panel summary of ratings against this brief.
    ("tpm_fit._hiring.models", "summarize_panel"): "tpm_fit._hiring.panel",
    # DataFrame.tpm_fit.recommend(): the accessor's method is recommend_many on its frame.
    ("tpm_fit._batch.accessor", "recommend"): "tpm_fit._batch.frame",
}


def _graph(*, lazy: bool) -> dict[str, set[str]]:
    """Module -> the tpm_fit modules it imports (at module level, or anywhere when ``lazy``),
    without TYPE_CHECKING imports and without the allowed convenience-method edges."""
    graph: dict[str, set[str]] = {}
    modules = {_module(path) for path in ROOT.rglob("*.py")}
    for item in IMPORTS:
        if item.type_only or (item.function is not None and not lazy):
            continue
        if lazy and ALLOWED_CYCLE_EDGES.get((item.source, item.function or "")) == item.target:
            continue
        # ``from package import name`` may name a submodule; either way it depends on the package.
        target = item.target if item.target in modules else item.target.rpartition(".")[0]
        if target != item.source and target in modules:
            graph.setdefault(item.source, set()).add(target)
    if lazy:  # the render dispatch imports each kind's module by name (KINDS) on first use
        from tpm_fit._render.registry import KINDS

        graph.setdefault("tpm_fit._render.dispatch", set()).update(
            f"tpm_fit._render.{module}" for module in KINDS.values()
        )
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path, or None."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if node.startswith(nxt + "."):
                continue  # a package is initialised before its submodules: child -> parent closes none
            if state.get(nxt) == 1:  # back edge
                return [*path, node, nxt]
            if nxt not in state:
                found = visit(nxt, [*path, node])
                if found:
                    return found
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module, [])
            if found:
                return found
    return None


def test_the_whole_import_graph_has_no_cycle_but_the_allowed_convenience_methods() -> None:
    cycle = _cycle(_graph(lazy=True))
    assert cycle is None, "import cycle (lazy imports included): " + " -> ".join(cycle or [])


def test_every_allowed_cycle_edge_exists() -> None:
    """An allowed edge that no longer exists is removed from the list, so the list stays short."""
    present = {(i.source, i.function or "", i.target) for i in IMPORTS if not i.type_only}
    stale = [(key, target) for key, target in ALLOWED_CYCLE_EDGES.items() if (*key, target) not in present]
    assert not stale, stale


@pytest.mark.parametrize("edge", list(ALLOWED_CYCLE_EDGES), ids=lambda edge: ".".join(edge))
def test_every_allowed_cycle_edge_is_needed(edge: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without it the graph has a cycle; an edge that closes none leaves the list."""
    monkeypatch.delitem(ALLOWED_CYCLE_EDGES, edge)
    assert _cycle(_graph(lazy=True)) is not None


def test_the_cycle_check_finds_a_cycle_through_a_lazy_import() -> None:
    """The Recommendation.explain() edge, were it not allowed, closes a cycle with a renderer that
    imports the model at run time."""
    graph = _graph(lazy=True)
    graph.setdefault("tpm_fit._model.result", set()).add("tpm_fit._render.recommendation")
    graph.setdefault("tpm_fit._render.recommendation", set()).add("tpm_fit._model.result")
    cycle = _cycle(graph)
    assert cycle is not None
    loop = cycle[cycle.index(cycle[-1]) :]  # the path may lead into the cycle first
    assert loop[0] == loop[-1]
    assert {"tpm_fit._model.result", "tpm_fit._render.recommendation"} <= set(loop)
