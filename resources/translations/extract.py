"""Find every translatable string in app/ with the `ast` module, and merge them into a .ts file.

pyside6-lupdate only reads calls whose context is a string literal; the lower layers write
`QT_TRANSLATE_NOOP(CTX, "…")` with a module constant `CTX` (and sometimes `"…" + _HOW`), which
lupdate silently skips. This reads, with module-level string constants resolved:

- `QT_TRANSLATE_NOOP(ctx, source)` and `QCoreApplication.translate(ctx, source)`;
- `self.tr(source)` inside a class: the context is the class name (as PySide6 uses it).

`merge` keeps every existing translation: new strings are added "unfinished", strings no longer
in the code become "vanished" (kept, so their translation returns with them).
"""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from pathlib import Path

Message = tuple[str, str]  # (context, source)


def _value(node: ast.AST, env: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _value(node.left, env), _value(node.right, env)
        return left + right if left is not None and right is not None else None
    return None


def _constants(tree: ast.Module) -> dict[str, str]:
    env: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and (value := _value(node.value, env)) is not None:
                env[target.id] = value
    return env


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{owner}.{func.attr}"
    return ""


class _Finder(ast.NodeVisitor):
    def __init__(self, env: dict[str, str], where: str):
        self.env, self.where = env, where
        self.classes: list[str] = []
        self.found: list[Message] = []
        self.unresolved: list[str] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:  # noqa: N802 (ast API)
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 (ast API)
        name = _callee(node)
        args = [_value(a, self.env) for a in node.args]
        if name.endswith("QT_TRANSLATE_NOOP") or name == "QCoreApplication.translate":
            self._add(node, args[0] if args else None, args[1] if len(args) > 1 else None)
        elif name == "self.tr" and self.classes:
            self._add(node, self.classes[-1], args[0] if args else None, literal_only=True)
        self.generic_visit(node)

    def _add(self, node: ast.Call, ctx: str | None, src: str | None, *,
             literal_only: bool = False) -> None:
        if ctx is not None and src is not None:
            self.found.append((ctx, src))
        elif not literal_only:  # e.g. translate(ctx, variable): the source is marked elsewhere
            self.unresolved.append(f"{self.where}:{node.lineno}")


def extract_file(path: Path, root: Path) -> list[Message]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    finder = _Finder(_constants(tree), str(path.relative_to(root)))
    finder.visit(tree)
    return finder.found


def extract(root: Path) -> list[Message]:
    """Every (context, source) under root/app, in a stable order, without duplicates."""
    seen: dict[Message, None] = {}
    for path in sorted((root / "app").rglob("*.py")):
        for message in extract_file(path, root):
            seen.setdefault(message, None)
    return list(seen)


def merge(ts: Path, language: str, messages: list[Message]) -> tuple[int, int]:
    """Update `ts` in place; returns (added, vanished)."""
    root = ET.parse(ts).getroot() if ts.exists() else ET.Element("TS", version="2.1")
    root.set("language", language)
    root.set("sourcelanguage", "en")
    contexts = {c.findtext("name"): c for c in root.findall("context")}
    wanted = set(messages)
    added = vanished = 0
    for ctx, src in messages:
        context = contexts.get(ctx)
        if context is None:
            context = contexts[ctx] = ET.SubElement(root, "context")
            ET.SubElement(context, "name").text = ctx
        if not any(m.findtext("source") == src for m in context.findall("message")):
            message = ET.SubElement(context, "message")
            ET.SubElement(message, "source").text = src
            ET.SubElement(message, "translation", type="unfinished")
            added += 1
    for ctx, context in contexts.items():
        for message in context.findall("message"):
            tr = message.find("translation")
            present = (ctx, message.findtext("source")) in wanted
            if not present and tr.get("type") != "vanished":
                tr.set("type", "vanished")
                vanished += 1
            elif present and tr.get("type") in ("vanished", "obsolete"):
                tr.set("type", "unfinished") if not tr.text else tr.attrib.pop("type")
    _write(ts, root)
    return added, vanished


def _write(ts: Path, root: ET.Element) -> None:
    root[:] = sorted(root, key=lambda c: c.findtext("name") or "")
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                  encoding="utf-8")


def read(ts: Path) -> dict[Message, tuple[str, str | None]]:
    """(context, source) → (translation text, type attribute or None when finished)."""
    found = {}
    for context in ET.parse(ts).getroot().findall("context"):
        for message in context.findall("message"):
            tr = message.find("translation")
            found[(context.findtext("name"), message.findtext("source"))] = (
                tr.text or "", tr.get("type"))
    return found
