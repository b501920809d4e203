"""Languages: Qt translators for ClinicDesk's `.qm` files and Qt's own, switched on the fly.

French (fr_CA) is the default (the languages offered: app.settings.LANGUAGES). Installing a
translator sends `LanguageChange` to every widget; each window re-sets its texts in
`retranslate()` (called from `changeEvent`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.core.text import Text

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "resources" / "translations"

_installed: list[QTranslator] = []
_current = "en"


def translate(item: Text) -> str:
    """A lower layer's Text in the UI's language."""
    return item.render(QCoreApplication.translate)


def current_language() -> str:
    return _current


def set_language(language: str) -> bool:
    """Install the translators for `language` (replacing the previous ones). False when the
    ClinicDesk `.qm` file is missing (run resources/translations/build.py); English is shown."""
    global _current
    app = QCoreApplication.instance()
    for old in _installed:  # installed: there was an application
        assert app is not None
        app.removeTranslator(old)
    _installed.clear()
    _current = language
    QLocale.setDefault(QLocale(language))
    if language == "en":
        return True
    assert app is not None, "translations are installed in the running application"
    found = _load(app, f"clinicdesk_{language}", TRANSLATIONS)
    if not found:
        log.warning("translation file for %s not built; showing English", language)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    _load(app, f"qtbase_{language}", Path(qt_dir)) or _load(
        app, f"qtbase_{language.split('_')[0]}", Path(qt_dir))
    return found


def _load(app: QCoreApplication, name: str, folder: Path) -> bool:
    translator = QTranslator(app)
    if not translator.load(name, str(folder)):
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True
