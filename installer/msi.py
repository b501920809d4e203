"""The MSI from the WiX source: the bundle's file list, then wixl (Linux) or candle/light (Windows).

One generator writes `BundleFiles.wxs` (a ComponentGroup with one component per file under
INSTALLDIR) on both platforms, so Linux's wixl and Windows' WiX 3 compile the same source.
Ids are hashes of the relative path: the same file keeps the same component across builds, and
`Guid="*"` lets the compiler derive stable component GUIDs from the install path.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import quoteattr

WIX_DIR = Path(__file__).resolve().parent / "wix"
LANGUAGES = ("fr", "en")


def msi_version(version: str) -> str:
    """Windows Installer wants major.minor.build (numbers < 256, 256, 65536): 1.2.3rc1 → 1.2.3."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3]]
    numbers += [0] * (3 - len(numbers))
    if numbers[0] > 255 or numbers[1] > 255 or numbers[2] > 65535:
        raise ValueError(f"version {version} does not fit an MSI ProductVersion")
    return ".".join(map(str, numbers))


def _id(prefix: str, rel: PurePosixPath) -> str:
    return prefix + hashlib.sha1(str(rel).encode()).hexdigest()[:32].upper()


def files_fragment(bundle: Path, windows_paths: bool = False) -> str:
    """WiX source listing every file of `bundle` as `$(var.BundleDir)/<relative path>`."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">', "  <Fragment>"]
    components: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        pad = "  " * depth
        for entry in sorted(folder.iterdir()):
            rel = PurePosixPath(entry.relative_to(bundle).as_posix())
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


def wixl_build(bundle: Path, out: Path, version: str, lang: str, gui_exe: str) -> Path:
    """Build `out` with wixl from the WiX source and `bundle`'s files (Linux check build)."""
    if not shutil.which("wixl"):
        raise FileNotFoundError("wixl not found: install the Debian package 'wixl' (msitools)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fragment = out.with_suffix(".files.wxs")
    fragment.write_text(files_fragment(bundle))
    # wixl resolves File/@Source relative to its working directory, not absolute paths.
    defines = {"Version": msi_version(version), "Lang": lang, "GuiExe": gui_exe,
               "BundleDir": bundle.name}
    cmd = ["wixl", "-a", "x64", "-I", str(WIX_DIR), "-o", str(out.resolve())]
    for key, value in defines.items():
        cmd += ["-D", f"{key}={value}"]
    cmd += [str(WIX_DIR / "clinicdesk.wxs"), str(fragment.resolve())]
    done = subprocess.run(cmd, cwd=bundle.parent, capture_output=True, text=True)
    errors = [line for line in done.stderr.splitlines() if "WARNING" not in line and line.strip()
              and "has no property named" not in line]
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"wixl failed ({done.returncode}): " + "\n".join(errors[-10:]))
    fragment.unlink()
    return out


def msi_table(msi: Path, table: str) -> list[dict[str, str]]:
    """Rows of one table of an MSI, read with msiinfo (for checks and tests)."""
    done = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True,
                          text=True, check=True)
    lines = done.stdout.splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[3:] if line]


def msi_properties(msi: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in msi_table(msi, "Property")}


def main(argv: list[str] | None = None) -> int:
    """`python -m installer.msi version` prints the MSI ProductVersion of the installed package;
    `python -m installer.msi fragment BUNDLE OUT` writes BundleFiles.wxs for candle (Windows)."""
    import argparse
    from importlib import metadata

    parser = argparse.ArgumentParser(prog="python -m installer.msi")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("version")
    fragment = sub.add_parser("fragment")
    fragment.add_argument("bundle", type=Path)
    fragment.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.what == "version":
        print(msi_version(metadata.version("clinicdesk")))
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(files_fragment(args.bundle, windows_paths=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
