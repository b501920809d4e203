"""The WiX source compiles with wixl and says what an IT department deploying by GPO or Intune
expects of the MSI: per machine, a stable upgrade code, any same-or-lower version replaced in
place (the other language, a rebuild) and a higher one refused, an advertised Start-menu shortcut
that the ICE rules accept, an icon, French and English names. wixl runs no ICE: installer.msi's
rule checks read the tables (the Windows workflow runs them on light's output too). A tiny
stand-in bundle keeps it to seconds."""

import re
import shutil
import struct
from importlib import metadata
from pathlib import Path

import pytest

from installer import flavours, msi

pytestmark = pytest.mark.skipif(not shutil.which("wixl"), reason="wixl (msitools) not installed")
VERSION = metadata.version("clinicdesk")
SOURCE = msi.WIX_DIR / "clinicdesk.wxs"


def stand_in_bundle(root: Path) -> Path:
    bundle = root / "clinicdesk-workstation"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "clinicdesk-gui.exe").write_bytes(b"MZ stand-in")
    (bundle / "clinicdesk.exe").write_bytes(b"MZ stand-in")
    (bundle / "_internal" / "python311.dll").write_bytes(b"\0" * 100)
    (bundle / "_internal" / "resources" / "clinicdesk_fr_CA.qm").write_bytes(b"qm")
    return bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return stand_in_bundle(tmp_path_factory.mktemp("wix"))


@pytest.fixture(scope="module")
def msis(bundle):
    return {lang: msi.wixl_build(bundle, bundle.parent / f"{lang}.msi", VERSION, lang,
                                 gui_exe="clinicdesk-gui.exe") for lang in msi.LANGUAGES}


def variant(bundle: Path, name: str, old: str, new: str) -> Path:
    """The MSI of the WiX source with `old` replaced by `new` (a guard taken out)."""
    text = SOURCE.read_text()
    assert old in text
    source = bundle.parent / f"{name}.wxs"
    source.write_text(text.replace(old, new))
    return msi.wixl_build(bundle, bundle.parent / f"{name}.msi", VERSION, "fr",
                          gui_exe="clinicdesk-gui.exe", source=source)


def test_per_machine_with_the_package_version_and_a_stable_upgrade_code(msis):
    fr, en = (msi.msi_properties(msis[lang]) for lang in ("fr", "en"))
    assert fr["ALLUSERS"] == "1"
    assert fr["ProductVersion"] == msi.msi_version(VERSION)
    assert fr["UpgradeCode"].upper() == msi.UPGRADE_CODE == "{A0CBD275-D630-471A-947C-BBA1BA16E647}"
    assert en["UpgradeCode"] == fr["UpgradeCode"]  # either language upgrades the other
    assert fr["ProductCode"] != en["ProductCode"]
    assert (fr["ProductLanguage"], en["ProductLanguage"]) == ("3084", "4105")
    assert msi.check(list(msis.values())) == []


def test_each_installed_version_is_replaced_or_refuses_the_msi(msis):
    """Every case: the other language or a rebuild of the same version, older ones, newer ones."""
    major, minor, build = (int(n) for n in msi.msi_version(VERSION).split("."))
    cases = {f"{major}.{minor}.{build}": "replaces", "0.0.0": "replaces",
             f"{major}.{minor}.{build + 1}": "refuses", f"{major}.{minor + 1}.0": "refuses",
             f"{major + 1}.0.0": "refuses"}
    if build:
        cases[f"{major}.{minor}.{build - 1}"] = "replaces"
    for path in msis.values():
        assert {v: msi.upgrade_outcome(path, v) for v in cases} == cases
        assert msi.upgrade_problems(path) == []
    # the Upgrade table matches any language (fr-CA replaces en-CA and the reverse)
    assert {row["Language"] for row in msi.msi_table(msis["fr"], "Upgrade")} == {""}


def test_the_same_version_would_install_beside_with_an_inclusive_maximum_lost(bundle):
    """The guard: an exclusive maximum at our own version (MajorUpgrade's default) leaves the
    other language's MSI of the same version installed beside this one."""
    broken = variant(bundle, "no-same-version", 'Maximum="$(var.UpgradeBelow)"',
                     'Maximum="$(var.Version)"')
    assert msi.upgrade_outcome(broken, msi.msi_version(VERSION)) == "beside"
    assert any("expected replaces" in p for p in msi.upgrade_problems(broken))


def test_the_shortcut_is_advertised_on_the_per_machine_program(msis):
    for path in msis.values():
        (row,) = msi.msi_table(path, "Shortcut")
        assert row["Directory_"] == "ProgramMenuFolder"
        assert row["Target"] == "Complete"  # a feature: advertised
        assert (row["Component_"], row["Icon_"]) == ("GuiExe", "ClinicDesk.exe")
        (component,) = [c for c in msi.msi_table(path, "Component") if c["Component"] == "GuiExe"]
        (key,) = [f for f in msi.msi_table(path, "File") if f["File"] == component["KeyPath"]]
        assert key["FileName"].split("|")[-1] == "clinicdesk-gui.exe"
        assert component["Directory_"] == "INSTALLDIR"
        assert msi.msi_table(path, "Registry") == []  # no per-user (or per-machine) stand-in key
        assert msi.shortcut_problems(path) == []
        assert msi.msi_properties(path)["ARPPRODUCTICON"] == "ClinicDesk.exe"
    names = {lang: msi.msi_table(p, "Shortcut")[0]["Name"] for lang, p in msis.items()}
    assert "Poste clinique" in names["fr"] and "Clinic workstation" in names["en"]


OLD_SHORTCUT = """    <DirectoryRef Id="ProgramMenuFolder">
      <Component Id="StartMenuShortcut" Guid="8a4f0dff-4a0f-4f06-a981-f1351218388d" Win64="yes">
        <Shortcut Id="ClinicDeskShortcut" Name="$(var.ShortcutName)"
                  Target="[INSTALLDIR]$(var.GuiExe)" WorkingDirectory="INSTALLDIR" />
        <RegistryValue Root="ROOT" Key="Software\\ClinicDesk" Name="StartMenuShortcut"
                       Type="integer" Value="1" KeyPath="yes" />
      </Component>
    </DirectoryRef>
"""


@pytest.mark.parametrize(("root", "expected"), [("HKLM", {"ICE38", "ICE43"}), ("HKCU", set())])
def test_the_ice_rules_catch_a_plain_shortcut_keyed_in_hklm(bundle, root, expected):
    """The previous layout (a non-advertised shortcut in a Start-menu component keyed by an HKLM
    value: Microsoft's ICE38/ICE43 errors) is caught; keyed in HKCU it passes those rules."""
    text = SOURCE.read_text()
    start = text.index("          <Shortcut Id=")
    end = text.index("</File>")
    source = text[:start] + text[end:]  # the program's file without its shortcut
    old_component = OLD_SHORTCUT.replace("ROOT", root)
    source = source.replace("    <Feature Id", old_component + "    <Feature Id")
    source = source.replace('<ComponentRef Id="GuiExe" />',
                            '<ComponentRef Id="GuiExe" /><ComponentRef Id="StartMenuShortcut" />')
    (bundle.parent / f"old-{root}.wxs").write_text(source)
    old = msi.wixl_build(bundle, bundle.parent / f"old-{root}.msi", VERSION, "fr",
                         gui_exe="clinicdesk-gui.exe", source=bundle.parent / f"old-{root}.wxs")
    found = {p.split(":")[0] for p in msi.shortcut_problems(old)}
    assert found == expected, msi.shortcut_problems(old)


def test_an_advertised_shortcut_needs_its_icon_named_like_its_target(bundle):
    broken = variant(bundle, "icon", 'Icon="ClinicDesk.exe" IconIndex="0"', "")
    assert [p.split(":")[0] for p in msi.shortcut_problems(broken)] == ["ICE50"]


def test_every_bundle_file_is_installed_under_program_files_once(msis):
    files = [row["FileName"].split("|")[-1] for row in msi.msi_table(msis["fr"], "File")]
    assert sorted(files) == sorted(["clinicdesk-gui.exe", "clinicdesk.exe", "python311.dll",
                                    "clinicdesk_fr_CA.qm"])
    dirs = {row["Directory"]: row for row in msi.msi_table(msis["fr"], "Directory")}
    assert dirs["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    icons = [row["Name"] for row in msi.msi_table(msis["fr"], "Icon")]
    assert icons == ["ClinicDesk.exe"]


def test_the_file_list_is_stable_between_builds(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.dll").write_bytes(b"x")
    (tmp_path / "gui.exe").write_bytes(b"x")
    first = msi.files_fragment(tmp_path)
    assert first == msi.files_fragment(tmp_path)
    assert "$(var.BundleDir)\\a\\x.dll" in msi.files_fragment(tmp_path, windows_paths=True)
    assert len(re.findall(r"<ComponentRef ", first)) == 2
    left = msi.files_fragment(tmp_path, leave_out="gui.exe")
    assert "gui.exe" not in left and len(re.findall(r"<ComponentRef ", left)) == 1


@pytest.mark.parametrize(("version", "expected"), [
    ("0.1.0", "0.1.0"), ("1.2", "1.2.0"), ("2.0.1rc1", "2.0.1"), ("3.1.4.dev5+g1", "3.1.4")])
def test_msi_version(version, expected):
    assert msi.msi_version(version) == expected


@pytest.mark.parametrize(("version", "expected"), [
    ("0.1.0", "0.1.1"), ("1.2.65535", "1.3.0"), ("1.255.65535", "2.0.0")])
def test_upgrade_below_is_the_next_version(version, expected):
    assert msi.upgrade_below(version) == expected


def test_the_icon_holds_every_size_windows_asks_for():
    ico = (Path(msi.ICON)).read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind) == (0, 1)
    sizes = set()
    for i in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * i)
        assert ico[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + length <= len(ico)
        sizes.add(width or 256)
    assert {16, 24, 32, 48, 256} <= sizes
    assert msi.ICON.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_workstation_flavour_leaves_the_demo_and_the_server_out():
    excluded = set(flavours.excluded_modules("workstation"))
    assert {"server", "fastapi", "uvicorn", "app.commands.demo", "pytest"} <= excluded
    assert "server" not in flavours.excluded_modules("demo")
    assert flavours.is_demo_only("server.app") and flavours.is_demo_only("app.demo.virtual_key")
    assert flavours.is_demo_only("app.demo.test_pki")
    assert flavours.is_demo_only("app.commands.demo_keyring")
    assert flavours.is_demo_only("app.commands.demo") and not flavours.is_demo_only("app.ui.app")
    assert not flavours.is_demo_only("app.devices.pcsc") and not flavours.is_demo_only("serverless")
    assert not flavours.is_demo_only("app.devices.piv")  # the real PIV session stays


def test_one_rule_leaves_every_demo_module_out_and_every_devices_module_in():
    """app.demo is left out whole (a module added there is too); app.devices is kept whole."""
    app = Path(__file__).resolve().parents[2] / "app"
    demo = [f"app.demo.{p.stem}" for p in (app / "demo").glob("*.py")] + ["app.demo.new_one"]
    devices = [f"app.devices.{p.stem}" for p in (app / "devices").glob("*.py")]
    assert len(demo) >= 5 and all(flavours.is_demo_only(name) for name in demo)
    assert devices and not any(flavours.is_demo_only(name) for name in devices)
    assert sum(name.startswith("app.demo") for name in flavours.DEMO_ONLY) == 1


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
