"""ClinicDesk workstation client. Layers: ui → qhr, sync, devices, store → core."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("clinicdesk")
except _metadata.PackageNotFoundError:  # running from a bundle without metadata
    __version__ = "0.0.0"
