"""Build the ClinicDesk bundle (PyInstaller, one folder) and, on Linux, check the MSI source.

    python installer/build.py [--flavour demo|workstation] [--dist DIR] [--no-msi] [--lang fr en]
    python installer/build.py --prepare-only   # translations and the resources list, no bundle

`./dev.sh bundle` runs it. It first compiles the translations (resources/translations/build.py
--release-only: a fresh clone has no `.qm`, and a bundle without them shows English whatever
language is chosen), and checks the bundle has them at the end. Prints the bundle's size and
build time, then (Linux, wixl present)
builds `ClinicDesk-<version>-<lang>-linux-standin.msi` from installer/wix/clinicdesk.wxs.
That MSI holds the *Linux* bundle's files: it only proves that the WiX source compiles and has the
right tables (per-machine, upgrade code, shortcut). The real Windows MSI is built on a Windows
runner by .github/workflows/windows.yml (PyInstaller cannot cross-compile).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from installer import contents, msi  # noqa: E402

SPEC = ROOT / "installer" / "clinicdesk.spec"


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) under `path`."""
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def build_translations() -> list[Path]:
    """Compile every .ts to .qm (the sources are left as they are)."""
    subprocess.run([sys.executable, str(ROOT / "resources" / "translations" / "build.py"),
                    "--release-only"], cwd=ROOT, check=True)
    contents.resource_datas(ROOT)  # raises MissingTranslations if a .qm is still missing
    return [ROOT / qm for qm in contents.required_translations(ROOT)]


def build_bundle(flavour: str, dist: Path, work: Path) -> tuple[Path, float]:
    """Run PyInstaller on the spec; return the bundle folder and the seconds it took."""
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--clean",
           "--log-level", "WARN", "--distpath", str(dist), "--workpath", str(work),
           "--", "--flavour", flavour]
    subprocess.run(cmd, cwd=ROOT, check=True)
    return dist / f"clinicdesk-{flavour}", time.perf_counter() - started


def executable(bundle: Path) -> Path:
    return bundle / ("clinicdesk.exe" if sys.platform == "win32" else "clinicdesk")


def build_msis(bundle: Path, dist: Path, version: str, langs: list[str]) -> list[Path]:
    built = []
    for lang in langs:
        started = time.perf_counter()
        out = dist / f"ClinicDesk-{msi.msi_version(version)}-{lang}-linux-standin.msi"
        msi.wixl_build(bundle, out, version, lang, gui_exe=executable(bundle).name)
        props = msi.msi_properties(out)
        print(f"msi: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}  "
              f"{out.stat().st_size / 1e6:.1f} MB  {time.perf_counter() - started:.1f} s  "
              f"ProductVersion {props['ProductVersion']}  UpgradeCode {props['UpgradeCode']}  "
              f"ALLUSERS {props.get('ALLUSERS')}")
        built.append(out)
    print("note: these MSIs package the Linux bundle as a stand-in to check the WiX source; "
          "the Windows MSI comes from .github/workflows/windows.yml")
    return built


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="installer/build.py", description=__doc__.split("\n")[0])
    parser.add_argument("--flavour", choices=("demo", "workstation"), default="demo",
                        help="demo carries the reference server; workstation (the MSI) does not")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=None, help="PyInstaller work folder")
    parser.add_argument("--no-msi", action="store_true", help="skip the wixl check build")
    parser.add_argument("--lang", nargs="+", choices=msi.LANGUAGES, default=list(msi.LANGUAGES))
    parser.add_argument("--prepare-only", action="store_true",
                        help="compile the translations and list the resources the spec bundles")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    qm = build_translations()
    print("translations: " + ", ".join(f"{p.name} ({p.stat().st_size} bytes)" for p in qm))
    if args.prepare_only:
        for source, folder in contents.resource_datas(ROOT):
            print(f"resource: {Path(source).relative_to(ROOT)} -> {folder}")
        return 0
    dist = args.dist.resolve()
    work = (args.work or ROOT / "build" / "pyinstaller").resolve()
    version = metadata.version("clinicdesk")
    bundle, seconds = build_bundle(args.flavour, dist, work)
    missing = contents.missing_from_bundle(bundle, ROOT)
    if missing:
        raise SystemExit(f"the bundle lacks its translations: {', '.join(missing)}")
    size, count = folder_size(bundle)
    print(f"bundle: {bundle}  flavour {args.flavour}  version {version}  "
          f"size {size / 1e6:.1f} MB ({count} files)  build time {seconds:.1f} s")
    if not args.no_msi and sys.platform.startswith("linux"):
        build_msis(bundle, dist, version, args.lang)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
