"""installer/build.py makes the translations itself: from a fresh checkout (no `.qm`, they are
git-ignored build output) its preparation step compiles them and the spec's resources then hold
French; a bundle without them is refused. (The bundle itself is built by the `bundle` test.)"""

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator

from installer import contents

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_checkout(tmp_path):
    """The tracked files of installer/ and resources/, as a fresh clone has them."""
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "installer", "resources"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assert tracked, "no tracked files"
    copy = tmp_path / "clone"
    for name in tracked:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    return copy


def a_french_translation() -> tuple[str, str, str]:
    """(context, English source, French) of the first finished message of the .ts file."""
    tree = ET.parse(ROOT / "resources" / "translations" / "clinicdesk_fr_CA.ts")
    for context in tree.getroot().iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is not None and translation.text and not translation.get("type"):
                return context.findtext("name"), message.findtext("source"), translation.text
    raise AssertionError("no finished French translation in clinicdesk_fr_CA.ts")


def test_a_fresh_checkout_builds_its_french_before_bundling(fresh_checkout):
    qm = [fresh_checkout / p for p in contents.required_translations(fresh_checkout)]
    assert {p.name for p in qm} == {"clinicdesk_fr_CA.qm", "clinicdesk_en.qm"}
    assert not any(p.exists() for p in qm)
    with pytest.raises(contents.MissingTranslations, match="clinicdesk_fr_CA.qm"):
        contents.resource_datas(fresh_checkout)  # what the spec would bundle: refused

    done = subprocess.run([sys.executable, "installer/build.py", "--prepare-only"],
                          cwd=fresh_checkout, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    datas = contents.resource_datas(fresh_checkout)
    bundled = {Path(src).name: folder for src, folder in datas}
    assert bundled["clinicdesk_fr_CA.qm"] == bundled["clinicdesk_en.qm"] == str(
        Path("resources") / "translations")  # where app.ui.i18n looks, under _internal/
    assert "resources/translations/clinicdesk_fr_CA.qm -> resources/translations" in \
        done.stdout.replace("\\", "/")

    context, source, french = a_french_translation()
    translator = QTranslator()
    assert translator.load(str(fresh_checkout / "resources/translations/clinicdesk_fr_CA.qm"))
    assert translator.translate(context, source) == french
    # the sources are left as they are (a build never rewrites the .ts files)
    for ts in (fresh_checkout / "resources" / "translations").glob("*.ts"):
        assert ts.read_bytes() == (ROOT / ts.relative_to(fresh_checkout)).read_bytes()


def test_a_bundle_without_its_translations_is_refused(tmp_path):
    bundle = tmp_path / "clinicdesk-workstation"
    folder = bundle / "_internal" / "resources" / "translations"
    folder.mkdir(parents=True)
    assert contents.missing_from_bundle(bundle) == ["clinicdesk_en.qm", "clinicdesk_fr_CA.qm"]
    (folder / "clinicdesk_fr_CA.qm").write_bytes(b"qm")
    assert contents.missing_from_bundle(bundle) == ["clinicdesk_en.qm"]
    (folder / "clinicdesk_en.qm").write_bytes(b"qm")
    assert contents.missing_from_bundle(bundle) == []
