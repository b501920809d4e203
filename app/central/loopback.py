"""The loopback redirect of a native app's browser sign-in (RFC 8252 §7.3).

`LoopbackRedirect()` listens on 127.0.0.1 on a port the system picks, only for one sign-in:
`redirect_uri` goes into the authorization request, `wait(state, ...)` answers the browser's
one redirect with a page (French and English) telling the user to go back to ClinicDesk, and
returns the code. The `state` must be the one sent (else SyncError AUTH: a forged or stale
redirect); an `error=` answer from the server is a SyncError too. Anything else reaching the
port (a favicon) gets a 404 and the wait goes on. The listener stops at the first answer, at
`timeout`, or when `cancel` is set (Cancelled), and is closed when the context exits.
"""

from __future__ import annotations

import hmac
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from app.central.errors import Kind, SyncError
from app.central.retry import check_cancel

PATH = "/"
TIMEOUT = 300.0  # seconds the user has to sign in in the browser
POLL = 0.2  # how often cancel and the deadline are looked at
PAGES = {
    True: ("Connexion réussie", "Vous pouvez fermer cet onglet et revenir à ClinicDesk.",
           "Signed in", "You can close this tab and go back to ClinicDesk."),
    False: ("Connexion non terminée", "Revenez à ClinicDesk pour réessayer.",
            "Sign-in not completed", "Go back to ClinicDesk to try again."),
}


def page(ok: bool) -> bytes:
    fr_title, fr_text, en_title, en_text = PAGES[ok]
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>ClinicDesk'
            f"</title></head><body style=\"font-family:sans-serif;margin:3em\">"
            f"<h1>{escape(fr_title)}</h1><p>{escape(fr_text)}</p>"
            f'<h1 lang="en">{escape(en_title)}</h1><p lang="en">{escape(en_text)}</p>'
            f"</body></html>").encode()


class _Server(HTTPServer):
    answer: dict[str, list[str]] | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path != PATH or not ({"code", "error"} & query.keys()):
            self._reply(404, b"")
            return
        ok = "code" in query and "error" not in query
        self._reply(200 if ok else 400, page(ok))
        if self.server.answer is None:
            self.server.answer = query

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the request line carries the code: never logged


class LoopbackRedirect:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.timeout = POLL
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def wait(self, state: str, timeout: float = TIMEOUT,
             cancel: threading.Event | None = None) -> str:
        deadline = time.monotonic() + timeout
        while self._server.answer is None:
            check_cancel(cancel)
            if time.monotonic() > deadline:
                raise SyncError(Kind.AUTH, "browser sign-in not completed in time")
            self._server.handle_request()
        answer = self._server.answer
        if not hmac.compare_digest(_one(answer, "state"), state):
            raise SyncError(Kind.AUTH, "sign-in redirect with a wrong state")
        if "error" in answer:
            raise SyncError(Kind.AUTH, f"sign-in refused: {_one(answer, 'error')[:40]}")
        return _one(answer, "code")

    def close(self) -> None:
        self._server.server_close()

    def __enter__(self) -> LoopbackRedirect:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _one(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name, [])
    return values[0] if len(values) == 1 else ""
