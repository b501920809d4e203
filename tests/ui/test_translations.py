"""Every user-visible string is translated: the .ts files against the code, and the texts that
the main screens actually show in French."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS_DIR = ROOT / "resources" / "translations"
sys.path.insert(0, str(TS_DIR))
from extract import extract, read  # noqa: E402

FIELDS = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def in_code():
    return extract(ROOT)


def test_extraction_finds_module_constant_contexts_that_lupdate_skips(tmp_path):
    mod = tmp_path / "app" / "core" / "x.py"
    mod.parent.mkdir(parents=True)
    mod.write_text('CTX = "demo"\n_HOW = " Try again."\n'
                   'A = QT_TRANSLATE_NOOP(CTX, "Failed." + _HOW)\n'
                   'class Window:\n    def f(self):\n        self.tr("Sign in")\n'
                   'B = QCoreApplication.translate("ctx", "Multi " "part")\n')
    assert extract(tmp_path) == [("demo", "Failed. Try again."), ("Window", "Sign in"),
                                 ("ctx", "Multi part")]


@pytest.mark.parametrize("language", ["fr_CA", "en"])
def test_every_string_in_the_code_is_in_the_ts_file(in_code, language):
    in_ts = read(TS_DIR / f"clinicdesk_{language}.ts")
    missing = [f"{ctx}: {src!r}" for ctx, src in in_code if (ctx, src) not in in_ts]
    assert not missing, (f"not in clinicdesk_{language}.ts — run resources/translations/build.py"
                         " and translate:\n" + "\n".join(missing))


def test_every_french_translation_is_finished(in_code):
    in_ts = read(TS_DIR / "clinicdesk_fr_CA.ts")
    bad = [f"{ctx}: {src!r}" for ctx, src in in_code
           if (ctx, src) in in_ts and (in_ts[ctx, src][1] or not in_ts[ctx, src][0].strip())]
    assert not bad, "untranslated in clinicdesk_fr_CA.ts:\n" + "\n".join(bad)


@pytest.mark.parametrize("language", ["fr_CA", "en"])
def test_translations_keep_their_placeholders(language):
    in_ts = read(TS_DIR / f"clinicdesk_{language}.ts")
    bad = [f"{ctx}: {src!r} → {tr!r}" for (ctx, src), (tr, kind) in in_ts.items()
           if tr and kind is None and set(FIELDS.findall(src)) != set(FIELDS.findall(tr))]
    assert not bad, "placeholders differ:\n" + "\n".join(bad)


def test_english_needs_no_translation_because_sources_are_english(in_code):
    # Sources are English; an English translation, when given, must be finished text.
    in_ts = read(TS_DIR / "clinicdesk_en.ts")
    bad = [f"{c}: {s!r}" for c, s in in_code
           if in_ts.get((c, s), ("", None))[1] not in (None, "unfinished")]
    assert not bad


def test_french_is_loaded_at_run_time(qapp, french):
    from PySide6.QtCore import QCoreApplication

    assert QCoreApplication.translate("SignInWindow", "Sign in") == "Se connecter"
    assert QCoreApplication.translate("nam", "The check digit does not match.") == (
        "Le chiffre de contrôle ne correspond pas.")
