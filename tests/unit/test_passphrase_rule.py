"""The rule for a new store's passphrase (app.workstation.passphrase), every refusal and the
acceptances next to each: length in characters (not bytes, not composition), the username, the
common words, a repeated character, runs of the alphabet or keyboard, the confirmation."""

import pytest

from app.workstation.passphrase import (
    MIN_LENGTH,
    PassphraseMismatch,
    WeakPassphrase,
    check_new,
)

USER = "1000001"


@pytest.mark.parametrize("weak,why", [
    ("", "at least"), ("1", "at least"), ("onze lettre", "at least"),  # 11 characters
    ("éléphant ét", "at least"),  # 11 characters, 15 bytes: characters count
    (USER + USER, "too easy"), (USER + "12345", "too easy"), ("  " + USER + " 2026 ", "too easy"),
    ("Password2026!", "too easy"), ("Mot de passe 1", "too easy"), ("2026clinicdesk", "too easy"),
    ("bienvenue!!!!", "too easy"), ("aaaaaaaaaaaaaaa", "too easy"), ("abababababab", "too easy"),
    ("            ", "too easy"), ("123456789012", "too easy"), ("abcdefghijklm", "too easy"),
    ("AZERTYUIOPQSD", "too easy"), ("qwertyuiopasdf", "too easy"), ("210987654321", "too easy"),
])
def test_refused(weak, why):
    with pytest.raises(WeakPassphrase) as caught:
        check_new(USER, weak)
    assert why in str(caught.value) and caught.value.field == "password"
    if why == "at least":
        assert str(MIN_LENGTH) in str(caught.value)


@pytest.mark.parametrize("good", [
    "onze lettres", "éléphant été", "ma clinique 1000001 à Lévis", "correct horse battery",
    "987-214-553-120", "XK7#pq2!Lm9z", "mot de passe du poste de Marie",
])
def test_accepted(good):
    check_new(USER, good)
    check_new(USER, good, good)


def test_the_confirmation_is_checked_after_the_rule():
    with pytest.raises(PassphraseMismatch) as caught:
        check_new(USER, "correct horse battery", "")
    assert "again" in str(caught.value) and caught.value.field == "confirm"
    with pytest.raises(PassphraseMismatch) as caught:
        check_new(USER, "correct horse battery", "correct horse batery")
    assert "differ" in str(caught.value)
    with pytest.raises(WeakPassphrase):  # weak first: the confirmation does not matter then
        check_new(USER, "1", "2")
