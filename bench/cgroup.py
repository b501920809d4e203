"""A CPU cap for a process tree (Linux cgroup CPU controller, v1 or v2), for benchmarks that
measure what a server does with a fixed CPU share rather than with whatever the machine has
left (bench.capped).

`CpuCap(cores)` makes a cgroup named clinicdesk-bench-<pid>-<random> at the root of a
writable CPU hierarchy — v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`) or v2 (`cpu.max`, with
`+cpu` enabled in the root's `cgroup.subtree_control`) — and caps it at `cores`. A process
placed in it (`add`, or `prefix` for a command to run inside it from its first instruction)
keeps its children there: fork and exec inherit the cgroup. A weight (`cpu.shares`,
`cpu.weight`) gives the cgroup that many times a default process's share of contended cores:
other work on the machine does not take what the cap allows. `remove` (also on leaving a
`with` block, error or not) moves what is left in it back where it was and deletes it;
cgroups that a killed run left behind empty are deleted by the next one. Where no CPU
controller is writable (not Linux, not root, a container's read-only /sys/fs/cgroup) `CpuCap`
raises NoController with the reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path
from types import TracebackType

PERIOD_US = 100_000  # the scheduler's accounting period: the quota is `cores` × this per period
PREFIX = "clinicdesk-bench-"


class NoController(Exception):
    """No writable cgroup CPU controller on this machine; the message says why."""


def _mounts() -> list[tuple[str, Path, set[str]]]:
    """(filesystem type, mount point, options) of the cgroup mounts (/proc/self/mountinfo)."""
    out = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        fields = line.split()
        if " - " not in line:
            continue
        after = line.split(" - ", 1)[1].split()
        if after[0] in ("cgroup", "cgroup2"):
            out.append((after[0], Path(fields[4]), set(after[2].split(","))))
    return out


def _hierarchy() -> tuple[str, Path]:
    """("v1" | "v2", root of the hierarchy holding the CPU controller), writable; or
    NoController."""
    reasons = []
    for kind, root, options in _mounts():
        if kind == "cgroup" and "cpu" in options:
            if os.access(root / "cgroup.procs", os.W_OK) and os.access(root, os.W_OK):
                return "v1", root
            reasons.append(f"{root} (v1) is not writable")
        elif kind == "cgroup2":
            try:
                controllers = (root / "cgroup.controllers").read_text().split()
            except OSError:
                continue
            if "cpu" not in controllers:
                continue  # a hybrid machine's v2 without the CPU controller
            if os.access(root, os.W_OK) and os.access(root / "cgroup.subtree_control", os.W_OK):
                return "v2", root
            reasons.append(f"{root} (v2) is not writable")
    raise NoController("no writable cgroup CPU controller"
                       + (f" ({'; '.join(reasons)})" if reasons else ""))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep(root: Path) -> None:
    """Delete the empty cgroups of runs that are gone (killed before their `remove`)."""
    for old in root.glob(f"{PREFIX}*"):
        with contextlib.suppress(ValueError, OSError):
            if not _alive(int(old.name.removeprefix(PREFIX).split("-")[0])):
                old.rmdir()  # fails (and is left) while a process is still in it


class CpuCap:
    """A cgroup whose processes together use at most `cores` of CPU (None: no cap), weighted
    `weight` times a default process when the machine's cores are contended (see the
    module)."""

    def __init__(self, cores: float | None, weight: float = 1.0):
        if cores is not None and cores <= 0 or weight <= 0:
            raise ValueError("a CPU cap is a positive number of cores, a weight positive")
        self.cores = cores
        self._origin: dict[int, Path] = {}
        self.kind, self.root = _hierarchy()
        _sweep(self.root)
        if self.kind == "v2" and "cpu" not in \
                (self.root / "cgroup.subtree_control").read_text().split():
            try:
                (self.root / "cgroup.subtree_control").write_text("+cpu")
            except OSError as error:  # e.g. a container's root holding processes
                raise NoController(f"no writable cgroup CPU controller (+cpu in "
                                   f"{self.root}/cgroup.subtree_control: {error})") from None
        self.path = self.root / f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            self.path.mkdir()
        except OSError as error:
            raise NoController(f"no writable cgroup CPU controller ({error})") from None
        try:
            # the kernel's least quota: 1 ms; weights: v1 2–262144 (default 1024), v2 1–10000
            quota = max(1000, round(cores * PERIOD_US)) if cores else None
            if self.kind == "v1":
                (self.path / "cpu.shares").write_text(str(min(262144, round(1024 * weight))))
                (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (self.path / "cpu.cfs_quota_us").write_text(str(quota or -1))
            else:
                (self.path / "cpu.weight").write_text(str(max(1, min(10000, round(100 * weight)))))
                (self.path / "cpu.max").write_text(f"{quota or 'max'} {PERIOD_US}")
        except BaseException:
            self.remove()
            raise

    @property
    def procs(self) -> Path:
        return self.path / "cgroup.procs"

    def add(self, pid: int) -> None:
        """Move process `pid` (all its threads) into the cgroup; its later children follow.
        `remove` puts it back where it was."""
        self._origin[pid] = self._cgroup_of(pid)
        self.procs.write_text(str(pid))

    def _cgroup_of(self, pid: int) -> Path:
        """The cgroup of `pid` in this hierarchy (/proc/<pid>/cgroup)."""
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            number, controllers, path = line.split(":", 2)
            if (self.kind == "v2" and number == "0") or \
                    (self.kind == "v1" and "cpu" in controllers.split(",")):
                return self.root / path.lstrip("/")
        return self.root

    def prefix(self) -> list[str]:
        """A command prefix that enters the cgroup, then execs the rest of the command (the
        same pid): the process and all it starts are capped from their first instruction."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.procs)]

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in self.procs.read_text().split()]
        except OSError:
            return []

    def stat(self) -> dict[str, float]:
        """The controller's counters: periods (scheduler periods in which the cgroup ran),
        throttled (periods in which it used up its quota), throttled_s (time its processes
        waited for the next period); on v2 also usage_s (CPU time of its processes)."""
        raw = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines()
                   if len(line.split()) == 2)
        out = {"periods": float(raw.get("nr_periods", 0)),
               "throttled": float(raw.get("nr_throttled", 0))}
        if "throttled_time" in raw:  # v1: ns
            out["throttled_s"] = int(raw["throttled_time"]) / 1e9
        if "throttled_usec" in raw:  # v2: µs
            out["throttled_s"] = int(raw["throttled_usec"]) / 1e6
        if "usage_usec" in raw:
            out["usage_s"] = int(raw["usage_usec"]) / 1e6
        return out

    def remove(self) -> None:
        """Move whatever is still in the cgroup back where `add` found it (started inside:
        to the root), then delete it (if it cannot be, the next CpuCap's sweep deletes it)."""
        if not self.path.exists():
            return
        for pid in self.pids():
            with contextlib.suppress(OSError):  # ended meanwhile
                (self._origin.get(pid, self.root) / "cgroup.procs").write_text(str(pid))
        for _ in range(40):  # a process that just ended may still count a moment
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)

    def __enter__(self) -> CpuCap:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()


def reason_unavailable() -> str | None:
    """Why a CpuCap cannot be made here, or None when it can (without making one)."""
    try:
        _hierarchy()
    except NoController as error:
        return str(error)
    return None
