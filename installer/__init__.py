"""Build scripts for the ClinicDesk bundle (PyInstaller) and the Windows installer (WiX)."""
