"""Translatable text without Qt.

Lower layers describe what to tell the user as `Text(context, source, args)`: English source
text that the UI translates with Qt (`QCoreApplication.translate(context, source)`) and formats
with `args`. `QT_TRANSLATE_NOOP` is the marker that `pyside6-lupdate` collects into the `.ts`
files, so every string written with it appears in the translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # noqa: N802 (name read by lupdate)
    return source


@dataclass(frozen=True)
class Text:
    context: str
    source: str
    args: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def render(self, translate: Callable[[str, str], str] | None = None) -> str:
        """The text in the UI's language (`translate`) or in English."""
        template = translate(self.context, self.source) if translate else self.source
        return template.format(**self.args) if self.args else template

    def __str__(self) -> str:
        return self.render()


def text(context: str, source: str, **args: object) -> Text:
    """Build a Text; `source` must also be marked with QT_TRANSLATE_NOOP where it is defined."""
    return Text(context, source, MappingProxyType(dict(args)))
