"""Peak resident memory (RSS) of this process over one piece of work.

On Linux the kernel's high-water mark (VmHWM) is reset before the work (`/proc/self/clear_refs`),
so the peak is the work's own, not the set-up's; elsewhere the process's lifetime peak is what
can be had (`resource.getrusage`), which is an upper bound.
"""

from __future__ import annotations

from pathlib import Path

STATUS, CLEAR = Path("/proc/self/status"), Path("/proc/self/clear_refs")


def _status_mib(field: str) -> float:
    for line in STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise KeyError(field)


class PeakRss:
    """`with PeakRss() as peak: work()`, then peak.before_mib and peak.peak_mib."""

    def __enter__(self) -> PeakRss:
        self.resettable = STATUS.exists()
        if self.resettable:
            try:
                CLEAR.write_text("5")  # 5: reset the peak RSS to the current RSS
            except OSError:
                self.resettable = False
        self.before_mib = _status_mib("VmRSS") if STATUS.exists() else 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        if self.resettable:
            self.peak_mib = _status_mib("VmHWM")
        else:
            import resource  # not on Windows; there the figure is not measured
            self.peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    @property
    def growth_mib(self) -> float:
        return self.peak_mib - self.before_mib
