"""ClinicDesk workstation client. Layers: ui → qhr, sync, devices, store → core."""


def __getattr__(name: str) -> str:
    # Lazy: importlib.metadata costs 20-50 ms, paid at every start of the app otherwise.
    if name != "__version__":
        raise AttributeError(name)
    from importlib import metadata

    try:
        return metadata.version("clinicdesk")
    except metadata.PackageNotFoundError:  # running from a bundle without metadata
        return "0.0.0"
