"""The RAMQ screens with the real service, server and store: the front-desk panel online and
offline ("information as of"), in French too; the administrator's forms built only for an
administrator, refusing a bad configuration, saving a good one, importing, requesting."""

from __future__ import annotations

import pytest

from app.core import fhir_systems, registration
from app.ui.ramq_admin import ImportConfigForm, admin_screens
from app.ui.ramq_panel import RamqPanel
from app.ui.ramq_requests import AccountRequestForm
from tests.fixtures.ramq import good_config, reset_registry

WAIT = 15_000


def _nam(patient: dict) -> str:
    return next(i["value"] for i in patient["identifier"] if i["system"] == fhir_systems.NAM)


@pytest.fixture
def admin(ramq_server, ramq_desk):
    reset_registry(ramq_server.data_dir)
    return ramq_desk(ramq_server.base, "1000010")


def _configure(qtbot, form: ImportConfigForm, **values: str) -> None:
    for name, value in good_config(**values).items():
        if name in form.edits:
            form.edits[name].setText(value)
    form.kind.setCurrentIndex(form.kind.findData(good_config(**values)["import_type"]))
    form.submit()


def test_front_desk_online_then_offline(qtbot, admin, ramq_server, ramq_desk,
                                        fault_proxy_factory, french):
    admin.save_import_config(admin_config(), first_time=True)
    admin.run_import()
    proxy = fault_proxy_factory(int(ramq_server.base.rsplit(":", 1)[1]))
    panel = RamqPanel(ramq_desk(proxy.url, "1000009"))
    qtbot.addWidget(panel)
    panel.show()
    patient = next(c[0] for c in ramq_server.charts if registration.registrations_of(c[0]))
    panel.nam.setText(_nam(patient))
    panel.button.click()
    qtbot.waitUntil(lambda: panel.registered.isVisible(), timeout=WAIT)
    assert panel.registered.text() == "Inscrit auprès d'un médecin de famille."
    assert panel.values["physician"].text() and panel.values["since"].text()
    assert panel.values["insured"].text().startswith(("Assuré jusqu'au", "Non assuré"))
    assert not panel.as_of.isVisible()
    proxy.down()
    panel.answer = None
    panel.button.click()
    qtbot.waitUntil(lambda: panel.as_of.isVisible(), timeout=WAIT)
    assert panel.as_of.text().startswith("Le serveur central est injoignable : information en "
                                         "date du 20")
    panel.nam.setText("XXXX00000000")
    panel.button.click()
    qtbot.waitUntil(lambda: "NAM" in panel.hint.text(), timeout=WAIT)


def admin_config():
    from app.core.ramq import ImportConfig
    return ImportConfig.from_json(good_config())


def test_admin_forms_only_for_administrators(qtbot, admin, ramq_server, ramq_desk):
    receptionist = ramq_desk(ramq_server.base, "1000009")
    assert admin_screens(receptionist, receptionist.profile) == []
    assert admin_screens(None, admin.profile) == []
    forms = admin_screens(admin, admin.profile)
    assert [type(f) for f in forms] == [ImportConfigForm, AccountRequestForm]
    for form in forms:
        qtbot.addWidget(form)


def test_import_configuration_form(qtbot, admin):
    form = ImportConfigForm(admin)
    qtbot.addWidget(form)
    form.load()
    _configure(qtbot, form, place_of_follow_up="7")
    qtbot.waitUntil(lambda: "5XXXX" in form.message.text(), timeout=WAIT)
    at_field = form.field_errors["place_of_follow_up"]  # the problem shown at its field too
    assert "5XXXX" in at_field.text() and at_field.isVisibleTo(form)
    assert form.edits["place_of_follow_up"].property("invalid") is True
    assert not form.edits["establishment_name"].property("invalid")
    _configure(qtbot, form)
    qtbot.waitUntil(lambda: form.message.text() == "Configuration saved.", timeout=WAIT)
    assert all(not form.edits[n].text() for n in ("aip1_password", "ce_password"))
    assert form.edits["aip1_password"].placeholderText() == "unchanged (never shown again)"
    form.run.click()
    qtbot.waitUntil(lambda: form.state.text().startswith("Last import succeeded."),
                    timeout=WAIT)
    assert "Last attempt" in form.state.text()


def test_the_ramq_window_fits_the_screen(qtbot, admin):
    from app.ui.ramq_window import RamqWindow

    window = RamqWindow(admin, admin.profile)
    qtbot.addWidget(window)
    window.show()
    free = window.screen().availableGeometry()
    assert window.height() <= free.height() and window.width() <= free.width()


def test_account_request_form(qtbot, admin):
    form = AccountRequestForm(admin, admin.profile)
    qtbot.addWidget(form)
    form.send.click()
    qtbot.waitUntil(lambda: "first and last name" in form.message.text(), timeout=WAIT)
    for name, value in (("first_name", "Annie"), ("last_name", "Bolduc"),
                        ("email", "ui.form@example.ca"), ("practice_number", "2119876"),
                        ("reference_account", "Roy, Isabelle"), ("reference_account_id", "1000005"),
                        ("billing", "GMF du Plateau - 123")):
        form.edits[name].setText(value)
    form.occupation.setCurrentIndex(form.occupation.findData("nurse"))
    next(iter(form.institutions.values())).setChecked(True)
    form.send.click()
    qtbot.waitUntil(lambda: "laboratory" in form.message.text(), timeout=WAIT)
    form.labs.setPlainText("Biron: BR-5521")
    form.send.click()
    qtbot.waitUntil(lambda: "Annie Bolduc: submitted" in form.requests.text(), timeout=WAIT)


def test_ramq_window_by_role(qtbot, admin, ramq_server, ramq_desk):
    from app.ui.ramq_window import ramq_window
    receptionist = ramq_desk(ramq_server.base, "1000009")
    desk = ramq_window(receptionist, receptionist.profile)
    qtbot.addWidget(desk)
    assert [desk.tabs.tabText(i) for i in range(desk.tabs.count())] == [
        "Family physician and insurance"]
    full = ramq_window(admin, admin.profile)
    qtbot.addWidget(full)
    assert full.tabs.count() == 3
    support = ramq_desk(ramq_server.base, "1000011")
    assert ramq_window(support, support.profile) is None
    assert ramq_window(None, admin.profile) is None


def test_session_ramq_on_the_store_thread_and_offline(admin, ramq_server, ramq_desk, tmp_path):
    from types import SimpleNamespace

    from app.store import Store, StoreExecutor, keys
    from app.workstation.ramq import SessionRamq
    from tests.fixtures.store import FAST_KDF
    admin.save_import_config(admin_config(), first_time=True)
    admin.run_import()
    desk = ramq_desk(ramq_server.base, "1000009")
    path = tmp_path / "session.db"
    executor = StoreExecutor(lambda: Store.create("1000009", "pw", path=path, kdf=FAST_KDF))
    session = SimpleNamespace(client=desk.client, executor=executor, profile=desk.profile)
    try:
        number = _nam(next(c[0] for c in ramq_server.charts
                           if registration.registrations_of(c[0])))
        online = SessionRamq(session).family_physician(number)
        session.client = None  # signed in offline
        offline = SessionRamq(session).family_physician(number)
        assert offline.from_cache and offline.answer == online.answer
        assert len(executor.call(lambda store: store.access_entries())) == 2
    finally:
        key_file = executor.call(lambda store: store.key_file)
        executor.close()
        keys.delete_keyring_entries(key_file)


def test_main_window_menu_entry(qtbot, fake_services, ui_settings, ramq_server, ramq_desk):
    from dataclasses import replace

    from app.ui.main_window import MainWindow
    from app.ui.ramq_window import RamqWindow
    from app.workstation.contracts import SignedIn
    desk = ramq_desk(ramq_server.base, "1000009")
    services = replace(fake_services, ramq=desk)
    main = MainWindow(services, SignedIn(desk.profile, ramq_server.base, online=True),
                      ui_settings)
    qtbot.addWidget(main)
    assert main.actions_["ramq"].isVisible() and main.actions_["ramq"].text() == "RAMQ services…"
    main.actions_["ramq"].trigger()
    qtbot.waitUntil(lambda: main.findChild(RamqWindow) is not None, timeout=WAIT)
    support = ramq_desk(ramq_server.base, "1000011")
    hidden = MainWindow(replace(fake_services, ramq=support),
                        SignedIn(support.profile, ramq_server.base, online=True), ui_settings)
    qtbot.addWidget(hidden)
    assert not hidden.actions_["ramq"].isVisible()
