"""https only (issue 16): a central-server address that is not https is refused, with the reason
in French and English, before any byte leaves — in the sign-in window, below it (the session,
the sync client, the server probe), in the settings and on the command line — except this
computer's own loopback (the demo, the tests).

No traffic may leave the machine in these tests: `wire` records every name look-up and
connection the process attempts and refuses any outside 127.0.0.0/8 and ::1 (so even with a
guard removed nothing is sent; the attempt is what fails the test)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt

from app.core.server_address import NOT_AN_ADDRESS, NOT_HTTPS, InsecureServer, check_server_url

ROOT = Path(__file__).resolve().parents[2]
REFUSED = ["http://emr.example.qc.ca", "http://10.0.0.5:8080", "http://192.168.1.20/",
           "HTTP://EMR.EXAMPLE.QC.CA:80", "http://[fe80::1]:8080", "http://127.0.0.1.nip.io:8080",
           "http://localhost.example.qc.ca", "http://0x7f000001", "http://2130706433"]
NOT_ADDRESSES = ["emr.example.qc.ca", "ftp://emr.example.qc.ca", "https://", "http//x",
                 "https://user:pw@emr.example.qc.ca", "https://emr.example.qc.ca:99999"]
ALLOWED = ["https://emr.example.qc.ca", "https://10.0.0.5:8443/", "http://127.0.0.1:8080",
           "http://127.0.0.2", "http://127.255.255.254:1", "http://localhost:8080",
           "http://LOCALHOST.", "http://[::1]:8080"]
PASSWORD = "demo-medecin-1"


class Wire:
    """Every name look-up and connection attempted; refused outside loopback."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    @staticmethod
    def loopback(host: str) -> bool:
        return host in ("localhost", "127.0.0.1", "::1") or str(host).startswith("127.")

    def check(self, host: str) -> None:
        self.attempts.append(str(host))
        if not self.loopback(str(host)):
            raise OSError(f"test wire: no traffic to {host}")


@pytest.fixture
def wire(monkeypatch) -> Wire:
    found = Wire()
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kw):
        found.check(host)
        return real_getaddrinfo(host, *args, **kw)

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            found.check(address[0])
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return found


def _window(qtbot, services, settings):
    from app.ui.signin import SignInWindow

    window = SignInWindow(services.session, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def _submit(qtbot, window, server: str) -> list:
    from tests.fixtures.ui import type_text

    window.show_server_field(True)
    window.server.setText(server)
    window.username.setText("1000001")
    type_text(window.password, PASSWORD)
    signed: list = []
    window.signed_in.connect(signed.append)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.submit.isEnabled(), timeout=30_000)
    qtbot.wait(50)
    return signed


# -- the rule itself ---------------------------------------------------------------------------
@pytest.mark.parametrize("url", REFUSED)
def test_plain_http_outside_loopback_is_refused(url):
    with pytest.raises(InsecureServer) as refused:
        check_server_url(url)
    assert refused.value.text.source == NOT_HTTPS


@pytest.mark.parametrize("url", NOT_ADDRESSES)
def test_what_is_not_an_address_is_said_so(url):
    with pytest.raises(InsecureServer) as refused:
        check_server_url(url)
    assert refused.value.text.source == NOT_AN_ADDRESS


@pytest.mark.parametrize("url", ALLOWED)
def test_https_and_loopback_are_kept(url):
    assert check_server_url(f"  {url} ") == url.strip().rstrip("/")


def test_the_french_of_the_command_line_is_the_translation(qm_files):
    sys.path.insert(0, str(ROOT / "resources" / "translations"))
    from extract import read

    french = {src: tr for (ctx, src), (tr, _kind) in
              read(ROOT / "resources" / "translations" / "clinicdesk_fr_CA.ts").items()
              if ctx == "server"}
    assert french[NOT_HTTPS] == InsecureServer(NOT_HTTPS).french
    assert french[NOT_AN_ADDRESS] == InsecureServer(NOT_AN_ADDRESS).french


# -- the sign-in window and what is below it --------------------------------------------------
@pytest.mark.parametrize("url", ["http://emr.example.qc.ca", "http://10.0.0.5:8080"])
def test_sign_in_window_refuses_before_anything_is_sent(qtbot, wire, services, ui_settings,
                                                        url, monkeypatch):
    called = []
    monkeypatch.setattr(type(services.session), "sign_in",
                        lambda *a, **kw: called.append(a) or pytest.fail("sign_in called"))
    window = _window(qtbot, services, ui_settings)
    assert _submit(qtbot, window, url) == []
    assert window.message.text().startswith("The server address must start with https://")
    assert window.server.isVisible() and called == [] and wire.attempts == []
    assert ui_settings.server_url == ""  # nothing saved


def test_the_refusal_is_said_in_french(qtbot, french, wire, services, ui_settings):
    window = _window(qtbot, services, ui_settings)
    assert _submit(qtbot, window, "http://10.0.0.5:8080") == []
    assert window.message.text().startswith("L'adresse du serveur doit commencer par https://")
    assert wire.attempts == []


@pytest.mark.parametrize("url", ["http://emr.example.qc.ca", "http://10.0.0.5:8080"])
def test_below_the_window_the_session_refuses_too(wire, services, tmp_path, url):
    """The window's check removed, the session still refuses: no store, no connection."""
    with pytest.raises(InsecureServer):
        services.session.sign_in(url, "1000001", PASSWORD)
    assert not services.session.probe(url)
    assert wire.attempts == [] and services.session.executor is None
    assert not (tmp_path / "data").exists()  # no store created or opened


def test_the_sync_client_cannot_be_built_for_plain_http():
    from app.central.client import ClientConfig, FhirClient

    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={}))
    for url in REFUSED:
        with pytest.raises(InsecureServer):
            FhirClient(ClientConfig(server_url=url, username="1000001"), transport=transport)
    assert sent == []


def test_a_saved_plain_http_address_is_refused_at_once_and_not_probed(qtbot, wire, services,
                                                                       ui_settings):
    ui_settings._qs.setValue("server_url", "http://10.0.0.5:8080")  # an older version's
    window = _window(qtbot, services, ui_settings)
    qtbot.wait(400)  # past the probe's delay
    assert window.message.text().startswith("The server address must start with https://")
    assert window.server.isVisible() and wire.attempts == []


def test_settings_keep_only_https_or_loopback(ui_settings):
    ui_settings.server_url = "https://emr.example.qc.ca/"
    for url in REFUSED[:3]:
        with pytest.raises(InsecureServer):
            ui_settings.server_url = url
    assert ui_settings.server_url == "https://emr.example.qc.ca"
    ui_settings.server_url = "http://127.0.0.1:8080"
    assert ui_settings.server_url == "http://127.0.0.1:8080"


def test_loopback_http_still_signs_in_and_the_wire_sees_it(qtbot, wire, services,
                                                           ui_settings, server):
    """The demo's case, and proof that `wire` records real connections."""
    local = server.replace("127.0.0.1", "localhost")
    window = _window(qtbot, services, ui_settings)
    signed = _submit(qtbot, window, local)
    assert len(signed) == 1 and signed[0].online, window.message.text()
    assert set(wire.attempts) <= {"localhost", "127.0.0.1", "::1"} and wire.attempts
    assert ui_settings.server_url == local


# -- the command line --------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["export", "--output", "out.json"], ["audit", "report"]])
def test_command_line_refuses_before_asking_the_password(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if k != "CLINICDESK_PASSWORD"}
    env["CLINICDESK_LOG_DIR"] = str(tmp_path / "logs")
    done = subprocess.run(
        [sys.executable, "-m", "app", *command, "--patient", "TREJ80010112",
         "--server", "http://10.0.0.5:8080"], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "argument --server: The server address must start with https://" in done.stderr
    assert "L'adresse du serveur doit commencer par https://" in done.stderr
    assert "assword" not in done.stdout and not (tmp_path / "out.json").exists()
