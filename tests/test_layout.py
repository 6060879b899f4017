"""The package's layout: every module imports only from its own stage or earlier ones
(docs/ARCHITECTURE.md), so data flows one way: corpus -> retrieval -> store -> reader ->
pipeline -> evaluation -> shells."""

import ast
from pathlib import Path

import roundup_qa

PKG = Path(roundup_qa.__file__).parent
# stage of each top-level module or subpackage; a module may import from stages <= its own
STAGES = {
    "version": 0, "records": 0, "timing": 0, "chinese": 0,
    "corpus": 1,
    "retrieval": 2,
    "config": 3,
    "store": 4, "build": 4, "milvus": 4,
    "reader": 5, "dialogue": 5,
    "pipeline": 6,
    "evaluation": 7,
    "cli": 8, "web": 8, "api": 8, "guard": 8, "messages": 8, "feedback": 8, "screenshots": 8,
}  # fmt: skip


def _module(path: Path, root: Path = PKG) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path, root: Path = PKG) -> list[tuple[int, list[str]]]:
    """(line, absolute module path inside the package) for every import of the package."""
    here = _module(path, root)
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "roundup_qa":
                target = node.module.split(".")[1:]
            else:
                continue
            if target:
                out.append((node.lineno, target))
            else:  # from . import x
                out += [(node.lineno, [alias.name]) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [
                (node.lineno, alias.name.split(".")[1:])
                for alias in node.names
                if alias.name.split(".")[0] == "roundup_qa"
            ]
    return out


def test_every_module_belongs_to_a_stage():
    modules = {_module(p)[0] for p in PKG.rglob("*.py") if _module(p)}
    assert modules <= set(STAGES), f"modules without a stage: {sorted(modules - set(STAGES))}"


def _against_the_flow(root: Path = PKG) -> list[str]:
    wrong = []
    for path in sorted(root.rglob("*.py")):
        here = _module(path, root)
        if not here:  # the package's __init__ re-exports the public names
            continue
        for line, target in _imports(path, root):
            if STAGES[target[0]] > STAGES[here[0]]:
                wrong.append(f"{path.relative_to(root)}:{line} imports {'.'.join(target)}")
    return wrong


def test_imports_flow_one_way():
    wrong = _against_the_flow()
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def test_the_check_sees_a_wrong_import(tmp_path):
    """The walker itself: a retrieval module importing the pipeline, directly or lazily
    inside a function, is reported; importing an earlier stage is not."""
    (tmp_path / "retrieval").mkdir()
    (tmp_path / "retrieval" / "probe.py").write_text(
        "from ..corpus import load_corpus\n"
        "def f():\n    from ..pipeline import RoundupQA\n"
        "import roundup_qa.evaluation.bench\n",
        encoding="utf-8",
    )
    assert sorted(_against_the_flow(tmp_path)) == [
        "retrieval/probe.py:3 imports pipeline",
        "retrieval/probe.py:4 imports evaluation.bench",
    ]
