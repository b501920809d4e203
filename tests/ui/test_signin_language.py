"""The whole sign-in window in each language, opened in it and switched to it on the fly from
its own language list: every text a person sees (the demo accounts' professions included, data
widgets too) is in that language; in English no French text is visible but the French
language's own name in the list of languages."""

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QListWidget, QWidget

from app.ui.i18n import set_language
from app.ui.signin import SignInWindow
from tests.fixtures.ui import FakeSession

TS_DIR = Path(__file__).resolve().parents[2] / "resources" / "translations"
sys.path.insert(0, str(TS_DIR))
from extract import extract, read  # noqa: E402

FRENCH_NAME = "Français (Canada)"  # each language is named in itself in the list


@pytest.fixture(scope="module")
def french_only() -> set[str]:
    """The French translations that are not also an English source text (e.g. "Médecin")."""
    sources = {src for _, src in extract(TS_DIR.parents[1])}
    return {tr.replace("&", "") for tr, kind in read(TS_DIR / "clinicdesk_fr_CA.ts").values()
            if tr and kind is None and tr not in sources and len(tr) >= 4}


def every_text(top: QWidget) -> list[str]:
    """Every text shown, data widgets included (the demo accounts list is marked as data)."""
    found = [top.windowTitle()]
    for w in [top, *top.findChildren(QWidget)]:
        if not w.isVisibleTo(top):
            continue
        if isinstance(w, (QLabel, QAbstractButton)):
            found.append(w.text())
        if isinstance(w, QLineEdit):
            found.append(w.placeholderText())
        if isinstance(w, QComboBox):
            found += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QListWidget):
            found += [w.item(i).text() for i in range(w.count())]
        found.append(w.toolTip())
    return [t for t in found if t]


def french_in(texts: list[str], french_only: set[str]) -> list[str]:
    return [t for t in texts if t != FRENCH_NAME and any(fr in t for fr in french_only)]


@pytest.fixture
def signin(qtbot, ui_settings, qm_files):
    def make(language: str) -> SignInWindow:
        set_language(language)
        ui_settings.server_url = "https://emr.test"
        w = SignInWindow(FakeSession(reachable=False), ui_settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: w.message.isVisible(), timeout=5000)  # the offline note
        return w
    yield make
    set_language("en")


def switch(qtbot, w: SignInWindow, language: str) -> None:
    """Through the window's own language list, as a person does (the change is an event)."""
    w.language.setCurrentIndex(w.language.findData(language))
    submit = {"en": "Sign in", "fr_CA": "Se connecter"}[language]
    qtbot.waitUntil(lambda: w.submit.text() == submit, timeout=2000)


def professions(w: SignInWindow) -> list[str]:
    return [w.demo_list.item(i).text().rsplit("(", 1)[1] for i in range(w.demo_list.count())]


@pytest.mark.parametrize("how", ["opened", "switched"])
def test_english_sign_in_shows_no_french(qtbot, signin, french_only, how):
    w = signin("en" if how == "opened" else "fr_CA")
    if how == "switched":
        switch(qtbot, w, "en")
    assert professions(w) == ["Physician)", "Receptionist)"]
    assert w.message.text().startswith("The central server cannot be reached.")
    assert french_in(every_text(w), french_only) == []
    w.sign_in()  # no password: the error at its field, in English
    assert w.message.text() == "Enter your username."
    assert french_in(every_text(w), french_only) == []


@pytest.mark.parametrize("how", ["opened", "switched"])
def test_french_sign_in_is_french_throughout(qtbot, signin, how):
    w = signin("fr_CA" if how == "opened" else "en")
    if how == "switched":
        switch(qtbot, w, "fr_CA")
    assert professions(w) == ["Médecin)", "Réception)"]
    assert w.submit.text() == "Se connecter" and w.windowTitle() == "ClinicDesk — Connexion"
    assert w.message.text().startswith("Le serveur central")
    assert w.language.itemText(w.language.findData("en")) == "English"


def test_the_check_sees_french_in_a_data_widget(signin, french_only):
    w = signin("en")
    w.demo_list.item(0).setText("1000001 — Dre Marie Tremblay (Médecin)")
    assert french_in(every_text(w), french_only) == ["1000001 — Dre Marie Tremblay (Médecin)"]
