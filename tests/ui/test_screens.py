"""The main screens in French and English: every visible text is a translation, screenshots are
written and are not blank, and the language switches on the fly from the settings dialog."""

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from app.ui.signin import SignInWindow
from app.workstation.contracts import SignedIn
from tests.fixtures.ui import PHYSICIAN, RECEPTIONIST, FakeSession, not_translated, visible_texts

TS_DIR = Path(__file__).resolve().parents[2] / "resources" / "translations"
sys.path.insert(0, str(TS_DIR))
from extract import read  # noqa: E402

QT_BUTTONS = ("OK", "Cancel", "&OK", "&Cancel", "&Yes", "&No", "Close")


@pytest.fixture
def french_texts(french) -> set[str]:
    """Our fr_CA translations, and Qt's own (qtbase_fr) for standard dialog buttons."""
    from PySide6.QtCore import QCoreApplication

    found = {tr.replace("&", "") for tr, kind in read(TS_DIR / "clinicdesk_fr_CA.ts").values()
             if tr and kind is None}
    qt = {QCoreApplication.translate("QPlatformTheme", b).replace("&", "") for b in QT_BUTTONS}
    assert "Annuler" in qt  # Qt's French is loaded too
    return found | qt


def screens(qtbot, services, settings, profile):
    """Sign-in (server unreachable), main window with a chart open, lock page, settings."""
    settings.server_url = "https://emr.test"
    signin = SignInWindow(FakeSession(reachable=False), settings)
    main = MainWindow(services, SignedIn(profile, "https://emr.test", online=False), settings)
    for w in (signin, main):
        qtbot.addWidget(w)
        w.resize(1280, 800)
        w.show()
        qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: signin.message.isVisible(), timeout=5000)
    main.open_chart("p1")
    qtbot.waitUntil(lambda: main.center.currentWidget() is main.chart_view, timeout=5000)
    return signin, main


def not_blank(path: Path) -> bool:
    image = QImage(str(path))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    return image.width() > 400 and len(colours) > 20


@pytest.mark.parametrize("profile", [PHYSICIAN, RECEPTIONIST], ids=["physician", "receptionist"])
def test_every_visible_text_is_french(qtbot, french, fake_services, ui_settings, french_texts,
                                      profile, tmp_path):
    signin, main = screens(qtbot, fake_services, ui_settings, profile)
    assert not_translated(visible_texts(signin), french_texts) == []
    assert not_translated(visible_texts(main), french_texts) == []
    main.lock()
    assert not_translated(visible_texts(main), french_texts) == []
    dialog = SettingsDialog(ui_settings, main)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not_translated(visible_texts(dialog), french_texts) == []


@pytest.fixture
def english_texts(qapp) -> set[str]:
    """In English every visible text is a source string of the code (or Qt's own button)."""
    from extract import extract

    from app.ui.i18n import set_language

    set_language("en")
    return {src.replace("&", "") for _, src in extract(TS_DIR.parents[1])} | {
        b.replace("&", "") for b in QT_BUTTONS}


@pytest.mark.parametrize("profile", [PHYSICIAN, RECEPTIONIST], ids=["physician", "receptionist"])
def test_every_visible_text_is_a_source_string_in_english(qtbot, fake_services, ui_settings,
                                                          english_texts, profile):
    signin, main = screens(qtbot, fake_services, ui_settings, profile)
    assert not_translated(visible_texts(signin), english_texts) == []
    assert not_translated(visible_texts(main), english_texts) == []
    main.lock()
    assert not_translated(visible_texts(main), english_texts) == []


def test_the_check_catches_an_english_leftover(qtbot, french, french_texts):
    from PySide6.QtWidgets import QLabel, QWidget

    top = QWidget()
    qtbot.addWidget(top)
    QLabel("Sign in", top)
    QLabel("Se connecter", top)
    top.show()
    assert not_translated(visible_texts(top), french_texts) == [("QLabel#", "Sign in")]


@pytest.mark.parametrize("language", ["fr_CA", "en"])
def test_screenshots_of_the_main_screens(qtbot, qm_files, fake_services, ui_settings, language,
                                         tmp_path):
    from app.ui.i18n import set_language

    set_language(language)
    try:
        signin, main = screens(qtbot, fake_services, ui_settings, PHYSICIAN)
        shots = {"signin": signin, "main": main}
        for name, widget in shots.items():
            path = tmp_path / f"{name}_{language}.png"
            assert widget.grab().save(str(path))
            assert not_blank(path), path
        main.lock()
        main.grab().save(str(tmp_path / f"lock_{language}.png"))
        assert not_blank(tmp_path / f"lock_{language}.png")
    finally:
        set_language("en")


def test_language_switches_on_the_fly_and_is_kept(qtbot, french, fake_services, ui_settings):
    signin, main = screens(qtbot, fake_services, ui_settings, PHYSICIAN)
    assert signin.submit.text() == "Se connecter"
    assert main.actions_["lock"].text() == "Verrouiller"
    dialog = SettingsDialog(ui_settings, main)
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.accept()
    qtbot.waitUntil(lambda: signin.submit.text() == "Sign in", timeout=2000)
    assert main.actions_["lock"].text() == "Lock"
    assert main.chart_view.nav.item(0).text() == "Summary"
    assert main.qhr_panel.reasons.text() == "• Plug in your QHR key."
    assert main.status.server.text() == "Server: offline"
    assert ui_settings.language == "en"
