"""The MSI from the WiX source: the bundle's file list, then wixl (Linux) or candle/light (Windows),
and the checks run on the built MSI's tables (both platforms).

One generator writes `BundleFiles.wxs` (a ComponentGroup with one component per file under
INSTALLDIR, all but the GUI executable, whose component in clinicdesk.wxs carries the shortcut)
on both platforms, so Linux's wixl and Windows' WiX 3 compile the same source.
Ids are hashes of the relative path: the same file keeps the same component across builds, and
`Guid="*"` lets the compiler derive stable component GUIDs from the install path.

`python -m installer.msi check MSI…` applies the rules of ICE38/ICE43/ICE50/ICE57/ICE64 and the
upgrade rule (FindRelatedProducts' reading of the Upgrade table) to built MSIs: wixl runs no ICE
at all, and on Windows the same code checks light's output again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import quoteattr

WIX_DIR = Path(__file__).resolve().parent / "wix"
ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "clinicdesk.ico"
LANGUAGES = ("fr", "en")
UPGRADE_CODE = "{A0CBD275-D630-471A-947C-BBA1BA16E647}"  # clinicdesk.wxs: never changes


def msi_version(version: str) -> str:
    """Windows Installer wants major.minor.build (numbers < 256, 256, 65536): 1.2.3rc1 → 1.2.3."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3]]
    numbers += [0] * (3 - len(numbers))
    if numbers[0] > 255 or numbers[1] > 255 or numbers[2] > 65535:
        raise ValueError(f"version {version} does not fit an MSI ProductVersion")
    return ".".join(map(str, numbers))


def upgrade_below(version: str) -> str:
    """The lowest MSI version above `version` (three fields): the Upgrade table's exclusive
    maximum, so that the same version is replaced too."""
    major, minor, build = (int(n) for n in msi_version(version).split("."))
    if build < 65535:
        return f"{major}.{minor}.{build + 1}"
    return f"{major}.{minor + 1}.0" if minor < 255 else f"{major + 1}.0.0"


def _id(prefix: str, rel: PurePosixPath) -> str:
    return prefix + hashlib.sha1(str(rel).encode()).hexdigest()[:32].upper()


def files_fragment(bundle: Path, windows_paths: bool = False, leave_out: str = "") -> str:
    """WiX source listing every file of `bundle` as `$(var.BundleDir)/<relative path>`, but the
    top-level `leave_out` (the GUI executable: clinicdesk.wxs authors its component)."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">', "  <Fragment>"]
    components: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        pad = "  " * depth
        for entry in sorted(folder.iterdir()):
            rel = PurePosixPath(entry.relative_to(bundle).as_posix())
            if str(rel) == leave_out:
                continue
            if entry.is_dir():
                lines.append(f'{pad}<Directory Id="{_id("d", rel)}" Name={quoteattr(entry.name)}>')
                walk(entry, depth + 1)
                lines.append(f"{pad}</Directory>")
                continue
            source = "$(var.BundleDir)/" + str(rel)
            if windows_paths:
                source = source.replace("/", "\\")
            cid = _id("c", rel)
            components.append(cid)
            lines.append(f'{pad}<Component Id="{cid}" Guid="*" Win64="yes">')
            lines.append(f'{pad}  <File Id="{_id("f", rel)}" KeyPath="yes" '
                         f"Source={quoteattr(source)} />")
            lines.append(f"{pad}</Component>")

    lines.append('    <DirectoryRef Id="INSTALLDIR">')
    walk(bundle, 3)
    lines += ["    </DirectoryRef>", '    <ComponentGroup Id="BundleFiles">']
    lines += [f'      <ComponentRef Id="{cid}" />' for cid in components]
    lines += ["    </ComponentGroup>", "  </Fragment>", "</Wix>", ""]
    return "\n".join(lines)


def wixl_build(bundle: Path, out: Path, version: str, lang: str, gui_exe: str,
               source: Path = WIX_DIR / "clinicdesk.wxs") -> Path:
    """Build `out` with wixl from the WiX source and `bundle`'s files (Linux check build)."""
    if not shutil.which("wixl"):
        raise FileNotFoundError("wixl not found: install the Debian package 'wixl' (msitools)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fragment = out.with_suffix(".files.wxs")
    fragment.write_text(files_fragment(bundle, leave_out=gui_exe))
    # wixl resolves File/@Source and Icon/@SourceFile relative to its working directory (and
    # wixl ≤ 0.101 fails on absolute ones).
    defines = {"Version": msi_version(version), "UpgradeBelow": upgrade_below(version),
               "Lang": lang, "GuiExe": gui_exe,
               "BundleDir": bundle.name, "IconFile": os.path.relpath(ICON, bundle.parent)}
    cmd = ["wixl", "-a", "x64", "-I", str(WIX_DIR), "-o", str(out.resolve())]
    for key, value in defines.items():
        cmd += ["-D", f"{key}={value}"]
    cmd += [str(source), str(fragment.resolve())]
    done = subprocess.run(cmd, cwd=bundle.parent, capture_output=True, text=True)
    errors = [line for line in done.stderr.splitlines() if "WARNING" not in line and line.strip()
              and "has no property named" not in line]
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"wixl failed ({done.returncode}): " + "\n".join(errors[-10:]))
    fragment.unlink()
    return out


def msi_table(msi: Path, table: str) -> list[dict[str, str]]:
    """Rows of one table of an MSI ([] when the MSI has no such table): msiinfo on Linux, the
    standard library's msilib (Python ≤ 3.12) on Windows."""
    if sys.platform == "win32":
        return _msilib_rows(msi, table)
    tables = subprocess.run(["msiinfo", "tables", str(msi)], capture_output=True, text=True,
                            check=True).stdout.split()
    if table not in tables:
        return []
    done = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True,
                          text=True, check=True)
    lines = done.stdout.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[3:] if line]


def _msilib_rows(msi: Path, table: str) -> list[dict[str, str]]:
    import msilib  # Windows only; the workflow's Python is 3.11

    db = msilib.OpenDatabase(str(msi), msilib.MSIDBOPEN_READONLY)
    try:
        view = db.OpenView(f"SELECT * FROM `{table}`")
    except msilib.MSIError:  # no such table
        return []
    info = view.GetColumnInfo(msilib.MSICOLINFO_NAMES)
    names = [info.GetString(i + 1) for i in range(info.GetFieldCount())]
    view.Execute(None)
    rows = []
    while True:
        try:
            record = view.Fetch()
        except msilib.MSIError:
            break
        if record is None:
            break
        row = {}
        for i, name in enumerate(names, start=1):
            try:
                row[name] = record.GetString(i)
            except msilib.MSIError:  # a binary stream (Icon.Data)
                row[name] = ""
        rows.append(row)
    view.Close()
    return rows


def msi_properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in msi_table(msi, "Property")}


# Folders of the user's profile, as ICE38/ICE64 list them.
PROFILE_FOLDERS = {"AppDataFolder", "DesktopFolder", "FavoritesFolder", "LocalAppDataFolder",
                   "MyPicturesFolder", "NetHoodFolder", "PersonalFolder", "PrintHoodFolder",
                   "ProgramMenuFolder", "RecentFolder", "SendToFolder", "StartMenuFolder",
                   "StartupFolder", "TemplateFolder"}
HKCU = "1"
REGISTRY_KEY_PATH = 0x4  # msidbComponentAttributesRegistryKeyPath


def shortcut_problems(msi: Path) -> list[str]:
    """The ICE38, ICE43, ICE50, ICE57 and ICE64 rules, read from the tables (light runs the real
    ICEs on Windows; wixl runs none). [] when they hold."""
    parents = {r["Directory"]: r["Directory_Parent"] for r in msi_table(msi, "Directory")}

    def in_profile(directory: str) -> bool:
        while directory:
            if directory in PROFILE_FOLDERS:
                return True
            directory = parents.get(directory, "")
        return False

    components = {r["Component"]: r for r in msi_table(msi, "Component")}
    registry = {r["Registry"]: r for r in msi_table(msi, "Registry")}
    files = {r["File"]: r for r in msi_table(msi, "File")}
    features = {r["Feature"] for r in msi_table(msi, "Feature")}
    icons = {r["Name"] for r in msi_table(msi, "Icon")}
    in_feature = {(r["Feature_"], r["Component_"]) for r in msi_table(msi, "FeatureComponents")}
    problems = []

    def hkcu_key_path(component: str) -> bool:
        row = components[component]
        if not int(row["Attributes"] or 0) & REGISTRY_KEY_PATH:
            return False
        return registry.get(row["KeyPath"], {}).get("Root") == HKCU

    for name, row in components.items():
        if in_profile(row["Directory_"]) and not hkcu_key_path(name):
            problems.append(f"ICE38: component {name} is in the user's profile "
                            f"({row['Directory_']}) without an HKCU key path")
        per_user = any(r["Component_"] == name and r["Root"] == HKCU for r in registry.values())
        per_machine = (any(f["Component_"] == name for f in files.values())
                       and not in_profile(row["Directory_"])) or any(
            r["Component_"] == name and r["Root"] == "2" for r in registry.values())
        if per_user and per_machine:
            problems.append(f"ICE57: component {name} mixes per-user and per-machine data")
    for sc in msi_table(msi, "Shortcut"):
        component = sc["Component_"]
        if sc["Target"] in features:  # advertised
            if (sc["Target"], component) not in in_feature:
                problems.append(f"shortcut {sc['Shortcut']}: feature {sc['Target']} does not "
                                f"hold component {component}")
            key = components[component]["KeyPath"]
            registry_key = int(components[component]["Attributes"] or 0) & REGISTRY_KEY_PATH
            if registry_key or key not in files:
                problems.append(f"ICE19: advertised shortcut {sc['Shortcut']}: key path of "
                                f"{component} is not a file")
                continue
            target = files[key]["FileName"].split("|")[-1]
            icon = sc.get("Icon_", "")
            if icon not in icons or Path(icon).suffix.lower() != Path(target).suffix.lower():
                problems.append(f"ICE50: advertised shortcut {sc['Shortcut']}: icon {icon!r} "
                                f"missing from the Icon table or not named *{Path(target).suffix}")
        elif not hkcu_key_path(component):
            problems.append(f"ICE43: non-advertised shortcut {sc['Shortcut']} in component "
                            f"{component}, whose key path is not an HKCU value")
    removed = {r["DirProperty"] for r in msi_table(msi, "RemoveFile")}
    for directory in parents:
        if directory not in PROFILE_FOLDERS and in_profile(directory) and directory not in removed:
            problems.append(f"ICE64: {directory} is in the user's profile and not in RemoveFile")
    return problems


ONLY_DETECT, MIN_INCLUSIVE, MAX_INCLUSIVE = 0x2, 0x100, 0x200


def _version(text: str) -> tuple[int, ...]:
    """Windows Installer compares major.minor.build; it ignores a fourth field."""
    return tuple(int(n) for n in text.split(".")[:3])


def upgrade_outcome(msi: Path, installed: str) -> str:
    """What this MSI does when a product with its UpgradeCode and version `installed` is there,
    as FindRelatedProducts reads the Upgrade table (any language):
    "replaces" (removed by RemoveExistingProducts), "refuses" (a launch condition on the detected
    property) or "beside" (a second product is installed)."""
    code = msi_properties(msi)["UpgradeCode"].upper()
    found = _version(installed)
    detected = []
    for row in msi_table(msi, "Upgrade"):
        if row["UpgradeCode"].upper() != code:
            continue
        attributes = int(row["Attributes"] or 0)
        low, high = row["VersionMin"], row["VersionMax"]
        if low and (found < _version(low) or found == _version(low)
                    and not attributes & MIN_INCLUSIVE):
            continue
        if high and (found > _version(high) or found == _version(high)
                     and not attributes & MAX_INCLUSIVE):
            continue
        detected.append((row["ActionProperty"], attributes))
    actions = {r["Action"] for r in msi_table(msi, "InstallExecuteSequence")}
    if any(not a & ONLY_DETECT for _, a in detected) and "RemoveExistingProducts" in actions:
        return "replaces"
    conditions = [r["Condition"] for r in msi_table(msi, "LaunchCondition")]
    if any(f"NOT {prop}" in c for prop, _ in detected for c in conditions):
        return "refuses"
    return "beside"


def upgrade_problems(msi: Path) -> list[str]:
    """Same version (the other language, a rebuild) and lower versions are replaced, a higher
    one refuses this MSI."""
    version = _version(msi_properties(msi)["ProductVersion"])
    expected = {".".join(map(str, version)): "replaces",
                ".".join(map(str, (version[0] + 1, 0, 0))): "refuses",
                ".".join(map(str, (version[0], version[1], version[2] + 1))): "refuses"}
    if version > (0, 0, 0):
        expected["0.0.0"] = "replaces"
    if version[2] > 0:
        expected[".".join(map(str, (version[0], version[1], version[2] - 1)))] = "replaces"
    return [f"upgrade: over an installed {installed} this MSI {got}, expected {want}"
            for installed, want in expected.items()
            if (got := upgrade_outcome(msi, installed)) != want]


def check(msis: list[Path]) -> list[str]:
    """Every rule above on each MSI; all per machine; one UpgradeCode for all."""
    problems = []
    codes = set()
    for msi in msis:
        props = msi_properties(msi)
        codes.add(props["UpgradeCode"].upper())
        if props.get("ALLUSERS") != "1":
            problems.append(f"{msi.name}: not per machine (ALLUSERS={props.get('ALLUSERS')})")
        problems += [f"{msi.name}: {p}" for p in shortcut_problems(msi) + upgrade_problems(msi)]
    if codes != {UPGRADE_CODE}:
        problems.append(f"UpgradeCode {sorted(codes)}, expected {UPGRADE_CODE} in every MSI")
    return problems


def main(argv: list[str] | None = None) -> int:
    """`python -m installer.msi version` prints the MSI ProductVersion of the installed package,
    `upgrade-below VERSION` the next one;
    `python -m installer.msi fragment BUNDLE OUT` writes BundleFiles.wxs for candle (Windows);
    `python -m installer.msi check MSI…` exits 1 when a rule of check() is broken."""
    import argparse
    from importlib import metadata

    parser = argparse.ArgumentParser(prog="python -m installer.msi")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("version")
    below = sub.add_parser("upgrade-below")
    below.add_argument("version")
    fragment = sub.add_parser("fragment")
    fragment.add_argument("bundle", type=Path)
    fragment.add_argument("out", type=Path)
    fragment.add_argument("--leave-out", default="clinicdesk-gui.exe")
    checked = sub.add_parser("check")
    checked.add_argument("msis", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.what == "version":
        print(msi_version(metadata.version("clinicdesk")))
    elif args.what == "upgrade-below":
        print(upgrade_below(args.version))
    elif args.what == "fragment":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(files_fragment(args.bundle, windows_paths=True,
                                           leave_out=args.leave_out), encoding="utf-8")
    else:
        problems = check(args.msis)
        for problem in problems:
            print(f"msi check: {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"msi check: {len(args.msis)} MSI(s) per machine, one UpgradeCode; shortcut "
              "(ICE38/43/50/57/64) and upgrade rules hold")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
