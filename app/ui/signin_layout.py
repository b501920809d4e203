"""The sign-in window's widgets (app.ui.signin): the card with its form, message, buttons, the
demo accounts list and the language choice. The demo list names each account's profession in
the language shown (re-rendered on a language switch, as every other text of the window)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from app.settings import LANGUAGES
from app.ui.i18n import current_language
from app.ui.widgets import mark_data, named, profession_name

if TYPE_CHECKING:
    from PySide6.QtWidgets import QListWidget, QListWidgetItem

    from app.ui.signin import SignInWindow
    from app.workstation.contracts import DemoUser


def build(window: SignInWindow) -> None:
    """The widgets, as attributes of `window` (their texts are set by its retranslate)."""
    outer = QVBoxLayout(window)
    outer.setContentsMargins(0, 0, 0, 0)
    card = QFrame(window)
    card.setObjectName("card")
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    box = QVBoxLayout(card)
    window.title = named(QLabel(card), "title")
    window.subtitle = named(QLabel(card), "subtitle")
    box.addWidget(window.title)
    box.addWidget(window.subtitle)
    _form(window, card, box)
    window.message = named(QLabel(card), "message")
    window.message.setWordWrap(True)
    box.addWidget(window.message)
    _buttons(window, card, box)
    window.demo_box = box  # the demo list is only built when there are demo users
    window.demo_title = named(QLabel(card), "demo_title")
    box.addWidget(window.demo_title)
    window.demo_list = None
    _language_row(window, card, box)
    card.setMinimumWidth(460)


def _form(window: SignInWindow, card: QFrame, box: QVBoxLayout) -> None:
    window.form = QFormLayout()
    window.server = named(QLineEdit(card), "server")
    window.username = named(QLineEdit(card), "username")
    window.password = named(QLineEdit(card), "password")
    window.password.setEchoMode(QLineEdit.EchoMode.Password)
    window.confirm = named(QLineEdit(card), "confirm")  # created after the password: Tab order
    window.confirm.setEchoMode(QLineEdit.EchoMode.Password)
    window.server_label, window.username_label, window.password_label = (
        QLabel(card), QLabel(card), QLabel(card))
    window.confirm_label = QLabel(card)
    window.form.addRow(window.server_label, window.server)
    window.form.addRow(window.username_label, window.username)
    window.form.addRow(window.password_label, window.password)
    window.form.addRow(window.confirm_label, window.confirm)
    show_confirm(window, False)
    box.addLayout(window.form)


def show_message(window: SignInWindow, kind: str, shown: str, *, polish: bool) -> None:
    """The message under the form, styled by its kind (info, offline, error)."""
    window.message.setProperty("kind", kind)
    window.message.setText(shown)
    if polish:  # before the first show, show() polishes every child (and style() would build
        window.message.style().polish(window.message)  # the Qt namespace's enums: ~12 ms)
    window.message.setVisible(bool(shown))


def show_confirm(window: SignInWindow, shown: bool) -> None:
    """The "Confirm passphrase" row: only on a first browser sign-in on this workstation."""
    window.confirm.setVisible(shown)
    window.confirm_label.setVisible(shown)
    if not shown:
        window.confirm.clear()


def _buttons(window: SignInWindow, card: QFrame, box: QVBoxLayout) -> None:
    buttons = QHBoxLayout()
    window.change_server = named(QPushButton(card), "change_server")
    window.change_server.setFlat(True)
    window.change_server.clicked.connect(lambda: window.show_server_field(True))
    window.submit = named(QPushButton(card), "submit")
    window.submit.setDefault(True)
    window.submit.clicked.connect(window.sign_in)
    window.cancel = named(QPushButton(card), "cancel")
    window.cancel.clicked.connect(window.cancel_sign_in)
    window.cancel.setVisible(False)
    buttons.addWidget(window.change_server)
    buttons.addStretch(1)
    buttons.addWidget(window.cancel)
    buttons.addWidget(window.submit)
    box.addLayout(buttons)
    for field in (window.server, window.username, window.password, window.confirm):
        field.returnPressed.connect(window.sign_in)


def _language_row(window: SignInWindow, card: QFrame, box: QVBoxLayout) -> None:
    lang_row = QHBoxLayout()
    window.language_label = QLabel(card)
    window.language = named(QComboBox(card), "language")
    for code in LANGUAGES:
        window.language.addItem("", code)
    window.language.setCurrentIndex(max(0, window.language.findData(current_language())))
    window.language.currentIndexChanged.connect(window.change_language)
    lang_row.addStretch(1)
    lang_row.addWidget(window.language_label)
    lang_row.addWidget(window.language)
    box.addLayout(lang_row)


def fill_demo_users(window: SignInWindow, users: Sequence[DemoUser]) -> None:
    """The demo accounts, under their title (only when there are any)."""
    window.demo_title.setVisible(bool(users))
    if not users:
        return
    from PySide6.QtCore import Qt  # not at the top: the Qt namespace's enums cost ~12 ms
    from PySide6.QtWidgets import QListWidget, QListWidgetItem

    window.demo_list = demo_list = named(mark_data(QListWidget(window)), "demo_users")
    demo_list.itemActivated.connect(lambda item: _pick_demo_user(window, item))
    demo_list.itemClicked.connect(lambda item: _pick_demo_user(window, item))
    index = window.demo_box.indexOf(window.demo_title) + 1
    window.demo_box.insertWidget(index, demo_list)
    for user in users:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, user)
        demo_list.addItem(item)
    retranslate_demo_users(demo_list)


def _pick_demo_user(window: SignInWindow, item: QListWidgetItem) -> None:
    from PySide6.QtCore import Qt

    user: DemoUser = item.data(Qt.ItemDataRole.UserRole)
    window.username.setText(user.username)
    window.password.setText(user.password)
    window.password.setFocus()


def retranslate_lists(window: SignInWindow) -> None:
    """The languages, each named in itself, and the demo accounts in the language shown."""
    from PySide6.QtCore import QCoreApplication

    for i, code in enumerate(LANGUAGES):
        window.language.setItemText(i, QCoreApplication.translate("language", LANGUAGES[code]))
    retranslate_demo_users(window.demo_list)


def retranslate_demo_users(demo_list: QListWidget | None) -> None:
    """Each account's line with its profession in the language shown."""
    if demo_list is None:
        return
    from PySide6.QtCore import Qt

    for i in range(demo_list.count()):
        item = demo_list.item(i)
        user: DemoUser = item.data(Qt.ItemDataRole.UserRole)
        item.setText(f"{user.username} — {user.display_name} "
                     f"({profession_name(user.profession)})")
