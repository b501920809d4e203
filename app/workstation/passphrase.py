"""The rule for a new store's passphrase, chosen on a user's first browser sign-in on this
workstation (app.workstation.signin): it alone protects that user's copy of the charts here
and opens it offline, so it must not be guessable. As NIST SP 800-63B asks of memorized
secrets: a minimum length and no composition rule (spaces and any letters allowed), and a refusal
of the obvious (the username, common passwords, a repeated character, a keyboard or alphabet
run). An existing store's passphrase is never checked again: the rule is for new ones only.
"""

from __future__ import annotations

import unicodedata

from app.core.errors import UserFacingError
from app.core.text import QT_TRANSLATE_NOOP, text

CTX = "session"
MIN_LENGTH = 12  # characters (code points): a few words
TOO_SHORT = QT_TRANSLATE_NOOP(
    CTX, "Choose a passphrase of at least {n} characters: a few words you will remember, "
    "spaces allowed.")
TOO_OBVIOUS = QT_TRANSLATE_NOOP(
    CTX, "This passphrase is too easy to guess (your username, a common password or a simple "
    "sequence): choose another one.")
UNCONFIRMED = QT_TRANSLATE_NOOP(CTX, "Type your passphrase again to confirm it.")
MISMATCH = QT_TRANSLATE_NOOP(
    CTX, "The two passphrases differ: type the same passphrase in both fields.")
# compared with letters and digits only, case folded, trailing digits removed ("Password2026!")
OBVIOUS = frozenset({
    "password", "passphrase", "motdepasse", "phrasedepasse", "clinicdesk", "clinique",
    "clinic", "welcome", "bienvenue", "letmein", "iloveyou", "jetaime", "admin",
    "administrator", "administrateur", "changeme", "secret", "qwerty", "azerty", "soleil",
    "docteur", "doctor", "medecin", "quebec", "montreal", "ouvrir", "sesame",
})
RUNS = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnm", "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb")


class WeakPassphrase(UserFacingError):
    """A new passphrase the rule refuses; `field`: the sign-in field it concerns."""

    field = "password"


class PassphraseMismatch(UserFacingError):
    """The confirmation is empty or differs from the passphrase."""

    field = "confirm"


def check_new(username: str, passphrase: str, confirmation: str | None = None) -> None:
    """WeakPassphrase when `passphrase` may not protect a new store of `username`; then, when a
    `confirmation` is given, PassphraseMismatch when it is empty or differs."""
    if len(unicodedata.normalize("NFC", passphrase)) < MIN_LENGTH:
        raise WeakPassphrase(text(CTX, TOO_SHORT, n=MIN_LENGTH))
    if _obvious(username, passphrase):
        raise WeakPassphrase(text(CTX, TOO_OBVIOUS))
    if confirmation == "":
        raise PassphraseMismatch(text(CTX, UNCONFIRMED))
    if confirmation is not None and confirmation != passphrase:
        raise PassphraseMismatch(text(CTX, MISMATCH))


def _letters(value: str) -> str:
    """Letters and digits only, case folded, accents removed ("Mot de passe" → "motdepasse")."""
    plain = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in plain if c.isalnum())


def _obvious(username: str, passphrase: str) -> bool:
    core = _letters(passphrase)
    name = _letters(username)
    if len(set(core)) <= 2:  # "aaaaaaaaaaaa", "abababababab", only spaces or punctuation
        return True
    if name and name in core and core.replace(name, "").rstrip("0123456789") == "":
        return True  # the username, repeated or with digits after it
    if core.rstrip("0123456789") in OBVIOUS or core.lstrip("0123456789") in OBVIOUS:
        return True
    return any(core in run or core in run[::-1] for run in RUNS)
