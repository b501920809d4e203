"""Render the main screens of one role at one screen size, in French then English, on the X
server of $DISPLAY (Xvfb), and save the screen as PNG (QScreen.grabWindow of the root window:
the X server's own pixels, dialogs included). Run by tests/ui/test_screenshots_x11.py, one
process per role and size:

    DISPLAY=:N QT_QPA_PLATFORM=xcb python -m tests.ui.x11_screens ROLE WxH OUT_DIR

Screens: the sign-in window (physician only), the main window with today's schedule, the main
window with a chart open, the access log window (the patient's for the physician, the
workstation's review for the administrator). Services are the UI tests' fakes: the layout, not
the data, is what is looked at. Prints one line per file written."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from app.core.profiles import Profession, UserProfile
from tests.fixtures.ui import (
    GMF,
    PHYSICIAN,
    RECEPTIONIST,
    FakeAccessLog,
    FakeKeys,
    FakePatients,
    FakeSchedule,
    FakeSession,
)
from tests.ui import chart_data

ADMIN = UserProfile("1000010", "Nathalie Fortin", Profession.ADMINISTRATOR, institutions=(GMF,),
                    primary_institution_id="gmf")
ROLES = {"physician": PHYSICIAN, "receptionist": RECEPTIONIST, "administrator": ADMIN}
LANGUAGES = ("fr_CA", "en")


def main(role: str, size: str, out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings
    from app.ui.i18n import set_language
    from app.ui.main_window import MainWindow
    from app.workstation.contracts import Services, SignedIn
    from app.workstation.wiring import QhrRules

    width, height = (int(n) for n in size.split("x"))
    app = QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    profile = ROLES[role]
    settings = Settings(Path(tempfile.mkdtemp(prefix="x11-screens-")) / "settings.ini")
    charts, close_store = _store_charts(profile, Path(settings.path).parent)
    services = Services(session=FakeSession(), patients=FakePatients(), charts=charts,
                        keys=FakeKeys(), qhr=QhrRules(),
                        schedule=FakeSchedule(clinic=role != "physician"),
                        access_log=FakeAccessLog())
    services.session.user = profile.username
    main_window = MainWindow(services, SignedIn(profile, "https://emr.test", True), settings)
    main_window.setGeometry(0, 0, width, height)  # no window manager: the whole screen
    main_window.show()
    signin = None
    for language in LANGUAGES:
        set_language(language)
        lang = language.split("_")[0]

        def shot(screen: str, lang: str = lang) -> None:
            settle(app)
            path = out / f"{role}-{size}-{lang}-{screen}.png"
            app.primaryScreen().grabWindow(0).save(str(path))
            print(path)
        if role == "physician":  # alone on the screen (no window manager stacks them)
            main_window.hide()
            signin = signin or _signin(settings)
            signin.show()
            shot("signin")
            signin.hide()
            main_window.show()
        main_window.close_chart()
        main_window.raise_()
        wait_for(app, lambda: main_window.schedule.table.topLevelItemCount() == 30)
        shot("schedule")
        main_window.open_chart(chart_data.PATIENT_ID)
        wait_for(app, lambda: main_window.center.currentWidget() is main_window.chart_view
                 and main_window.chart_view.chart is not None
                 and main_window.chart_view.chart.complete)
        shot("chart")
        dialog = _access_log(main_window, role)
        if dialog is not None:
            wait_for(app, lambda d=dialog: bool(d.rows))
            shot("access-log")
            dialog.close()
    main_window.close()
    close_store()
    return 0


def _store_charts(profile, folder: Path):
    """The real ChartReader over a store holding the chart tests' patient (and its vital
    signs); with the function that closes the store and forgets its key."""
    from types import SimpleNamespace

    from app.core.profiles import practitioner_reference
    from app.store import Store, StoreExecutor, keys
    from app.workstation.charts import ChartReader
    from tests.fixtures.store import FAST_KDF

    executor = StoreExecutor(lambda: Store.create(profile.username, "pw",
                                                  path=folder / "screens.db", kdf=FAST_KDF))
    resources = [*chart_data.chart(PHYSICIAN.username), *chart_data.VITALS,
                 {"resourceType": "Practitioner",
                  "id": practitioner_reference(PHYSICIAN.username).split("/")[1],
                  "name": [{"text": PHYSICIAN.display_name}]}]
    executor.call(lambda store: store.put_resources(resources))
    executor.call(lambda store: store.apply_pull([], [], {f"chart:{chart_data.PATIENT_ID}": "t"}))

    def close() -> None:
        key_file = executor.call(lambda store: store.key_file)
        executor.close()
        keys.delete_keyring_entries(key_file)
    return ChartReader(SimpleNamespace(executor=executor, profile=profile, client=None)), close


def _signin(settings):
    from app.ui.signin import SignInWindow

    settings.server_url = "https://emr.test"
    window = SignInWindow(FakeSession(reachable=False), settings)
    window.move(0, 0)
    return window


def _access_log(window, role: str):
    from app.ui.access_log import AccessLogDialog

    if role == "receptionist":
        return None
    dialog = AccessLogDialog(window.services.access_log,
                             chart_data.PATIENT_ID if role == "physician" else None, window)
    dialog.move(40, 40)
    dialog.show()
    return dialog


def settle(app) -> None:
    import time

    for _ in range(4):  # the X server draws what Qt sent
        app.processEvents()
        time.sleep(0.02)


def wait_for(app, condition, timeout_s: float = 10.0) -> None:
    import time

    ends = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > ends:
            raise SystemExit("timed out waiting for the screen")
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
