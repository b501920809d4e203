"""The support bundle's second redaction pass, rule by rule (pure text, no files)."""

import pytest

from app.commands.redact import MASK, Redactor, is_secret_key, mask_settings

CASES = [
    ("opened chart patient=Gisèle Pelletier reason=care", "Gisèle", "reason=care"),
    ('{"name":[{"family":"Bouchard","given":["Jean"]}],"id":"42"}', "Bouchard", '"id":"42"'),
    ('{"given": ["Jean", "Marc"], "gender": "male"}', "Marc", '"gender": "male"'),
    ("lookup PELG47530919 done", "PELG47530919", "done"),
    ("lookup 'pelg 4753 0919' done", "pelg 4753 0919", "done"),
    ("Authorization: Bearer abc.def-ghi", "abc.def-ghi", "Authorization"),
    ("call 514-555-0199 at H2X 1Y4", "555-0199", "call"),
    ("reply to gisele@example.test", "gisele@", "reply to"),
    ("GET https://bob:pw1@emr.test/fhir", "pw1", "emr.test/fhir"),
    ("password: hunter2 user=alice", "hunter2", "user=alice"),
]


@pytest.mark.parametrize(("line", "secret", "kept"), CASES)
def test_each_rule_removes_its_value_and_keeps_the_rest(line, secret, kept):
    out = Redactor()(line)
    assert secret.casefold() not in out.casefold()
    assert kept in out


def test_plain_technical_lines_are_left_alone():
    line = "2026-11-25 10:00:00,001 INFO app.sync pull finished in 120 ms (42 resources)"
    redactor = Redactor()
    assert redactor(line) == line
    assert sum(redactor.counts.values()) == 0


def test_the_logging_filter_runs_first_and_is_counted():
    redactor = Redactor(extra=lambda text: text.replace("Tremblay", "[patient]"))
    assert redactor("chart of Tremblay opened") == "chart of [patient] opened"
    assert redactor.counts["logging_filter"] == 1


@pytest.mark.parametrize("key", ["password", "proxy_password", "sync_token", "api-key", "PIN",
                                 "client_secret", "General/refresh_token", "signing_key"])
def test_secret_keys(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["language", "server_url", "idle_minutes", "last_username"])
def test_ordinary_keys(key):
    assert not is_secret_key(key)


def test_settings_mask_secrets_and_redact_other_values():
    ini = "[General]\nlanguage=fr\ntoken=abc\nnote=patient=Jean Roy\n; comment=kept\n"
    out = mask_settings(ini, Redactor())
    assert out.splitlines() == ["[General]", "language=fr", f"token={MASK}",
                                f"note=patient={MASK}", "; comment=kept"]
