"""`clinicdesk-server account add|list`: a profile file and a password on standard input."""

import io
import json

from app.core.profiles import Institution, Profession, UserProfile, profile_to_json
from server.cli import main
from server.identity.passwords import verify_password
from server.identity.store import IdentityStore
from server.storage import open_store

PROFILE = UserProfile("2345678", "Dre Annie Lachance", Profession.PHYSICIAN, "20111",
                      (Institution("gmf-x", "GMF des Érables", "55555", None, "1999"),),
                      "gmf-x")


def test_add_then_list_and_the_password_verifies(tmp_path, capsys, monkeypatch):
    profile_file = tmp_path / "profile.json"
    profile_file.write_text(json.dumps(profile_to_json(PROFILE)), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert main(["account", "add", "--data", str(tmp_path), "--profile", str(profile_file)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe sûr\n"))
    assert main(["account", "add", "--data", str(tmp_path), "--profile", str(profile_file)]) == 0
    assert main(["account", "list", "--data", str(tmp_path)]) == 0
    assert "2345678      physician" in capsys.readouterr().out
    store = open_store(tmp_path)
    try:
        profile, hashed = IdentityStore(store).account("2345678")
        with store.read() as tx:
            assert tx.read("Practitioner", "user-2345678").resource()["identifier"][1][
                "value"] == "20111"
    finally:
        store.close()
    assert profile == PROFILE and verify_password("un mot de passe sûr", hashed)
