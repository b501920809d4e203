"""`clinicdesk` start-up: the sign-in window paints before the services are built (their HTTP,
store and QHR imports wait for the window's first call) and without the Qt namespace's ~90
enums; then the window's first call (server probe, sign-in) builds them, once, for real."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from server.processes import free_port

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import PySide6.QtCore
from app.ui.app import main
code = main()
print(json.dumps({"code": code, "qt_namespace": "Qt" in vars(PySide6.QtCore),
                  "switch_interval": sys.getswitchinterval(),
                  "modules": sorted(sys.modules)}))
"""


def test_the_sign_in_window_paints_before_the_services_are_built(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLINICDESK_EXIT_AFTER_SHOW="1",
               CLINICDESK_HOME=str(tmp_path), CLINICDESK_LOG_DIR=str(tmp_path / "log"))
    env.pop("CLINICDESK_SETTINGS", None)
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, timeout=60,
                          capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["code"] == 0
    late = [m for m in found["modules"] if m.startswith(("app.workstation", "httpx"))]
    assert late == []
    assert not found["qt_namespace"]
    assert found["switch_interval"] == pytest.approx(0.001)  # the GUI thread's GIL turn


@pytest.fixture
def shell(qapp, ui_settings, tmp_path, monkeypatch):
    from app.ui import app as ui_app
    from app.workstation.wiring import build_services

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the stores of this test
    built = []

    def services():
        built.append(build_services(settings=ui_settings))
        return built[-1]
    shell = ui_app.Shell(services, ui_settings)
    shell.built_list = built
    yield shell
    for window in (shell.main, shell.signin):
        if window is not None:
            window.close()
    if shell.built is not None:
        shell.built.session.sign_out()
        ui_app._close(shell.built)  # what the app does at quit: the key monitor, the store


def test_the_first_call_builds_the_services_once(qtbot, shell, ui_settings, server):
    gc.unfreeze()  # an earlier test's main window may have frozen the heap already
    ui_settings.server_url = f"http://127.0.0.1:{free_port()}"  # probed after the first paint
    window = shell.show_sign_in()
    assert shell.built is None and window.demo_list is None
    qtbot.waitUntil(lambda: window.message.property("kind") == "offline", timeout=10000)
    assert len(shell.built_list) == 1 and shell.built is shell.built_list[0]

    window.server.setText(server)
    window.username.setText("1000001")
    window.password.setText("demo-medecin-1")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None, timeout=30000)
    assert gc.get_freeze_count() > 0  # the long-lived heap out of the collector's walks
    assert shell.main.services is shell.built and len(shell.built_list) == 1
    assert shell.built.session.profile.username == "1000001"
