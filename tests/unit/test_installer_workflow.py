"""The Windows workflow, read against what it drives (it cannot run here): candle gets every
variable the WiX source uses (an undefined one stops candle), light validates (ICE on; only
ICE61, the deliberate same-version upgrade, suppressed), and the files, modules and commands it
names exist."""

import re
from pathlib import Path

from installer import msi

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = (ROOT / ".github" / "workflows" / "windows.yml").read_text()
COMMANDS = "\n".join(line for line in WORKFLOW.splitlines() if not line.strip().startswith("#"))
SOURCE = (msi.WIX_DIR / "clinicdesk.wxs").read_text()


def used_variables() -> set[str]:
    defined = set(re.findall(r'<\?define (\w+)', SOURCE))
    for include in msi.WIX_DIR.glob("strings-*.wxi"):
        defined |= set(re.findall(r'<\?define (\w+)', include.read_text()))
    return set(re.findall(r"\$\(var\.(\w+)\)", SOURCE)) - defined


def test_candle_is_given_every_variable_the_source_uses():
    candle = WORKFLOW[WORKFLOW.index("candle.exe"):WORKFLOW.index("light.exe")]
    passed = set(re.findall(r'"-d(\w+)=', candle))
    assert used_variables() == passed == {"Version", "UpgradeBelow", "Lang", "GuiExe",
                                          "BundleDir", "IconFile"}


def test_light_validates_with_only_ice61_suppressed():
    (light,) = re.findall(r'light\.exe"([^\n]*)', COMMANDS)
    assert "-sval" not in COMMANDS and "-sice:" in light
    assert re.findall(r"-sice:(\w+)", COMMANDS) == ["ICE61"]
    assert "-wx" not in light  # warnings stay warnings; ICE errors fail the build


def test_what_the_workflow_names_exists():
    for path in ("installer/sign.ps1", "tests/posix_only.py", "resources/icons/clinicdesk.ico",
                 "installer/wix/clinicdesk.wxs", "installer/build.py",
                 "tests/integration/test_installer_bundle.py",
                 "resources/translations/build.py"):
        assert path.replace("/", "\\") in WORKFLOW or path in WORKFLOW, path
        assert (ROOT / path).is_file(), path
    for sub in re.findall(r"python -m installer\.msi ([\w-]+)", WORKFLOW):
        assert sub in {"version", "upgrade-below", "fragment", "check"}, sub
    assert "key diagnose --json" in WORKFLOW and "[server,test,build]" in WORKFLOW
    assert 'libusb-package' in (ROOT / "pyproject.toml").read_text()  # the build extra, on Windows
    assert "windows-latest" in WORKFLOW and "$env:WIX" in WORKFLOW


def test_signing_uses_no_key_file_and_timestamps():
    script = (ROOT / "installer" / "sign.ps1").read_text()
    assert ".pfx" not in WORKFLOW and "/p " not in script
    assert "/tr $timestamp /td SHA256" in script and "/fd SHA256" in script
    assert "*.exe, *.dll, *.pyd" in script
