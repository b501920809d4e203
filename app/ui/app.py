"""The application: QApplication set-up (style, font, translator), the sign-in → main window
flow, and `main()`. Start-up stays lean (bench/ui.py times it to the sign-in window's first
paint): the services are built at that window's first call (`Shell`), the main window is
imported after sign-in, and nothing before the paint touches the `Qt` namespace (its ~90 enums
are built on first access, ~12 ms)."""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from app.settings import Settings
from app.ui.i18n import set_language

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.ui.signin import SignInWindow
    from app.workstation.contracts import DemoUser, Services, SignedIn

STYLE = Path(__file__).resolve().parents[2] / "resources" / "styles" / "clinicdesk.qss"
EXIT_AFTER_SHOW = "CLINICDESK_EXIT_AFTER_SHOW"  # benchmarks: quit once the first window painted


def create_application(argv: Sequence[str] = (), settings: Settings | None = None) -> QApplication:
    # The GIL passes every 1 ms instead of 5: with the sync's fetch and store threads busy,
    # the GUI thread waited up to ~50 ms for its turn (bench.ui_sync: max lateness 50 → 35 ms,
    # the sync ~3 % longer).
    sys.setswitchinterval(0.001)
    found = QApplication.instance()
    if isinstance(found, QApplication):
        app = found
        app.setStyle("Fusion")
    else:  # Fusion by argument: setStyle() would wrap the QStyle, ~4 ms of enums
        app = QApplication(["clinicdesk", "-style", "Fusion", *argv])
    from PySide6.QtCore import qInstallMessageHandler

    from app.logsetup import qt_message
    qInstallMessageHandler(qt_message)  # Qt's warnings to the redacted log, its chatter dropped
    app.setApplicationName("ClinicDesk")
    app.setOrganizationName("ClinicDesk")
    font = QFont("DejaVu Sans")
    font.setPointSize(10)
    app.setFont(font)
    if STYLE.exists():
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    set_language((settings or Settings()).language)
    return app


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[], None]):
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


class Shell(QObject):
    """Sign-in window, then the main window; back to sign-in on sign-out.

    `services` may be a function that builds them (`main()`): the HTTP, store and QHR services
    are only needed from the first call of the sign-in window on (the server probe, sign-in),
    so their ~20 ms of imports come then, on that call's worker thread, not before the window
    paints (see `_LateSession`)."""

    def __init__(self, services: Services | Callable[[], Services], settings: Settings):
        super().__init__()
        self.settings = settings
        self._services: Services | None = None
        self._build: Callable[[], Services] | None = None
        if callable(services):
            self._build = services
        else:
            self._services = services
        self._lock = threading.Lock()
        self.signin: SignInWindow | None = None
        self.main: MainWindow | None = None

    @property
    def services(self) -> Services:
        with self._lock:  # the sign-in window's worker thread may be the first to ask
            if self._services is None:
                assert self._build is not None
                self._services = self._build()
            return self._services

    @property
    def built(self) -> Services | None:
        """The services if built already (never builds them)."""
        return self._services

    def show_sign_in(self) -> SignInWindow:
        from app.ui.signin import SignInWindow

        built = self._services
        session = _LateSession(self) if built is None else built.session
        self.signin = signin = SignInWindow(session, self.settings)
        signin.signed_in.connect(self.show_main)
        signin.resize(1024, 720)
        signin.show()
        return signin

    def show_main(self, session: SignedIn) -> MainWindow:
        from app.ui.main_window import MainWindow

        self.main = main = MainWindow(self.services, session, self.settings)
        main.signed_out.connect(self.show_sign_in)
        main.show()
        freeze_long_lived()
        if self.signin:
            self.signin.close()
            self.signin.deleteLater()
            self.signin = None
        return main


def freeze_long_lived() -> None:
    """What exists once the main window is up (modules, Qt wrappers, services) lives as long as
    the app: gc.freeze() takes it out of the cyclic collector's walks. Otherwise every full
    collection during a sync walked all of it on whichever thread, GIL held, 15–50 ms at a time
    (bench.ui_sync: GUI lateness max ~45 → ~25 ms, p99 ~32 → ~16 ms). Reference counting still
    frees these objects; only cyclic garbage among them would stay."""
    gc.freeze()


class _LateSession:
    """The SessionService of services not built yet: any call but `demo_users` builds them
    first. It lists no demo accounts (the demo passes its services built)."""

    def __init__(self, shell: Shell):
        self._shell = shell

    def demo_users(self) -> tuple[DemoUser, ...]:
        built = self._shell.built
        return tuple(built.session.demo_users()) if built is not None else ()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shell.services.session, name)


def run(services: Services | Callable[[], Services], settings: Settings | None = None, *,
        quit_after: float | None = None, screenshot: Path | None = None,
        auto_sign_in: tuple[str, str] | None = None) -> int:
    """Show the sign-in window and run the event loop; `quit_after` seconds (0: once ready:
    the first window painted, or with `auto_sign_in` the main window settled, _when_settled);
    `auto_sign_in` (username, password) signs in at once (demo screenshots)."""
    settings = settings or Settings()
    app = create_application(settings=settings)
    shell = Shell(services, settings)
    first = shell.show_sign_in()
    if auto_sign_in:
        first.username.setText(auto_sign_in[0])
        first.password.setText(auto_sign_in[1])
        first.sign_in()
    if os.environ.get(EXIT_AFTER_SHOW):
        quit_after = 0
    if screenshot or quit_after is not None:
        def finish() -> None:
            if screenshot:
                window = shell.main or shell.signin or first
                window.grab().save(str(screenshot))
                print(f"Screenshot: {screenshot}{_status_texts(shell.main)}", flush=True)
            app.quit()
        if quit_after == 0 and auto_sign_in:
            first.signed_in.connect(lambda _signed: _when_settled(shell, finish))
        elif quit_after == 0:
            _FirstPaint(first, finish)
        elif quit_after is not None:
            QTimer.singleShot(int(quit_after * 1000), finish)
    app.aboutToQuit.connect(lambda: _close(shell.built))
    code = app.exec()
    shell.deleteLater()
    return code


def _when_settled(shell: Shell, then: Callable[[], None]) -> None:
    """`then` once the main window (just shown) has painted and its first sync round has
    ended: the window as it settles, not as it opens (the demo's screenshot, its test)."""
    from app.ui.widgets import on_gui_thread

    main, sync = shell.main, shell.services.sync
    if main is None:  # the main window failed to open (its error is above): nothing to wait for
        print("No main window after the sign-in.", file=sys.stderr, flush=True)
        then()
        return
    waiting = {"paint", "sync"} if sync is not None else {"paint"}
    stop: list[Callable[[], None]] = []

    def done(what: str) -> None:
        if what in waiting:
            waiting.discard(what)
            if not waiting:
                for unsubscribe in stop:
                    unsubscribe()
                QTimer.singleShot(0, then)

    _FirstPaint(main, lambda: done("paint"))
    if sync is not None:  # a round has ended when no progress shows and it synced or failed
        stop.append(sync.add_listener(on_gui_thread(main, lambda status: done("sync") if (
            status.progress is None and (status.last_sync or not status.online)) else None)))


def _close(services: Services | None) -> None:
    """The key monitor's thread, the store (nothing when the services were never built)."""
    for part in (services.keys, services.session) if services is not None else ():
        close = getattr(part, "close", None)
        if close is not None:
            close()


def _status_texts(main: MainWindow | None) -> str:
    """What the main window's status bar says (server, sync, QHR key): no patient data."""
    if main is None:
        return ""
    labels = (main.status.server, main.status.last_sync, main.status.key_label)
    return " — " + " | ".join(w.text() for w in labels if w.isVisible())


NO_DISPLAY = """No display found, so the ClinicDesk window cannot open here.
Start ClinicDesk from a desktop session (or with `ssh -X`), or under a virtual display:
  xvfb-run -a clinicdesk
To look at the app on a machine without a display:
  clinicdesk demo --offscreen --screenshot demo.png --quit-after 5"""


def has_display() -> bool:
    """Linux needs X11 or Wayland, unless a Qt platform (offscreen, vnc…) is chosen."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


def main(argv: Sequence[str] | None = None) -> int:
    """`clinicdesk` without a sub-command: the workstation app against the saved server."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    settings = Settings()

    def services() -> Services:  # at the sign-in window's first call (Shell)
        from app.workstation.wiring import build_services, system_browser

        return build_services(settings=settings, open_browser=system_browser)
    return run(services, settings)
