"""The WiX source compiles with wixl and says what an IT department expects of the MSI:
per machine, a stable upgrade code with major upgrade, the package's version, a Start-menu
shortcut, French and English names. A tiny stand-in bundle keeps it to a second."""

import re
import shutil
from importlib import metadata

import pytest

from installer import flavours, msi

pytestmark = pytest.mark.skipif(not shutil.which("wixl"), reason="wixl (msitools) not installed")


@pytest.fixture(scope="module")
def msis(tmp_path_factory):
    root = tmp_path_factory.mktemp("wix")
    bundle = root / "clinicdesk-workstation"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "clinicdesk-gui.exe").write_bytes(b"MZ stand-in")
    (bundle / "_internal" / "python311.dll").write_bytes(b"\0" * 100)
    (bundle / "_internal" / "resources" / "clinicdesk_fr.qm").write_bytes(b"qm")
    version = metadata.version("clinicdesk")
    return {lang: msi.wixl_build(bundle, root / f"{lang}.msi", version, lang,
                                 gui_exe="clinicdesk-gui.exe") for lang in msi.LANGUAGES}


def test_per_machine_with_the_package_version_and_a_stable_upgrade_code(msis):
    fr, en = (msi.msi_properties(msis[lang]) for lang in ("fr", "en"))
    assert fr["ALLUSERS"] == "1"
    assert fr["ProductVersion"] == msi.msi_version(metadata.version("clinicdesk"))
    assert fr["UpgradeCode"].lower() == "{a0cbd275-d630-471a-947c-bba1ba16e647}"
    assert en["UpgradeCode"] == fr["UpgradeCode"]  # either language upgrades the other
    assert (fr["ProductLanguage"], en["ProductLanguage"]) == ("3084", "4105")


def test_major_upgrade_removes_the_old_version_and_refuses_a_downgrade(msis):
    upgrades = {row["ActionProperty"] for row in msi.msi_table(msis["fr"], "Upgrade")}
    assert upgrades == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    actions = {row["Action"] for row in msi.msi_table(msis["fr"], "InstallExecuteSequence")}
    assert "RemoveExistingProducts" in actions
    conditions = msi.msi_table(msis["fr"], "LaunchCondition")
    assert any("WIX_DOWNGRADE_DETECTED" in row["Condition"] for row in conditions)


def test_start_menu_shortcut_in_french_and_english(msis):
    names = {}
    for lang, path in msis.items():
        (row,) = msi.msi_table(path, "Shortcut")
        assert row["Directory_"] == "ProgramMenuDir"
        assert row["Target"] == "[INSTALLDIR]clinicdesk-gui.exe"
        names[lang] = row["Name"]
    assert "Poste clinique" in names["fr"] and "Clinic workstation" in names["en"]


def test_every_bundle_file_is_installed_under_program_files(msis):
    files = {row["FileName"].split("|")[-1] for row in msi.msi_table(msis["fr"], "File")}
    assert files == {"clinicdesk-gui.exe", "python311.dll", "clinicdesk_fr.qm"}
    dirs = {row["Directory"]: row for row in msi.msi_table(msis["fr"], "Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"


def test_the_file_list_is_stable_between_builds(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.dll").write_bytes(b"x")
    first = msi.files_fragment(tmp_path)
    assert first == msi.files_fragment(tmp_path)
    assert "$(var.BundleDir)\\a\\x.dll" in msi.files_fragment(tmp_path, windows_paths=True)
    assert len(re.findall(r"<ComponentRef ", first)) == 1


@pytest.mark.parametrize(("version", "expected"), [
    ("0.1.0", "0.1.0"), ("1.2", "1.2.0"), ("2.0.1rc1", "2.0.1"), ("3.1.4.dev5+g1", "3.1.4")])
def test_msi_version(version, expected):
    assert msi.msi_version(version) == expected


def test_the_workstation_flavour_leaves_the_demo_and_the_server_out():
    excluded = set(flavours.excluded_modules("workstation"))
    assert {"server", "fastapi", "uvicorn", "app.commands.demo", "pytest"} <= excluded
    assert "server" not in flavours.excluded_modules("demo")
    assert flavours.is_demo_only("server.app") and flavours.is_demo_only("app.devices.virtual_key")
    assert flavours.is_demo_only("app.devices.test_pki")
    assert flavours.is_demo_only("app.commands.demo_keyring")
    assert flavours.is_demo_only("app.ui.demo") and not flavours.is_demo_only("app.ui.app")
    assert not flavours.is_demo_only("app.devices.pcsc") and not flavours.is_demo_only("serverless")
    assert not flavours.is_demo_only("app.devices.piv")  # the real PIV session stays


def test_unused_qt_parts_are_trimmed_unless_the_app_uses_them():
    def entries(*names):
        return [(name, "/src/" + name, "BINARY") for name in names]

    binaries = entries("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
                       "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Widgets.so.6",
                       "PySide6/Qt/plugins/imageformats/libqpdf.so",
                       "PySide6/Qt/lib/libQt6Pdf.so.6")
    datas = entries("PySide6/Qt/translations/qtbase_de.qm", "PySide6/Qt/translations/qtbase_fr.qm",
                    "PySide6/Qt/translations/qt_en.qm", "resources/translations/clinicdesk_en.qm",
                    "libQt6Quick.so.6")  # PyInstaller's symlink to the library
    kept, kept_datas = flavours.trim_qt(binaries, datas)
    assert [e[0].rsplit("/", 1)[-1] for e in kept] == ["libQt6Widgets.so.6"]
    assert [e[0].rsplit("/", 1)[-1] for e in kept_datas] == [
        "qtbase_fr.qm", "qt_en.qm", "clinicdesk_en.qm"]
    with_quick = binaries + entries("PySide6/QtQuick.abi3.so")
    kept, _ = flavours.trim_qt(with_quick, [])
    assert "PySide6/Qt/lib/libQt6Quick.so.6" in [e[0] for e in kept]
