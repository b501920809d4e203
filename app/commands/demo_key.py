"""The demo's virtual QHR key: a private pcscd with the vpcd driver in the demo's folder (this
process's PC/SC client is pointed at it before its first PC/SC call), the key material of one
demo account (its profile's qhr_key_id, issued by a test CA the demo server trusts through
`--qhr-ca`), and the key itself, inserted and removed from the app's menu.

`DemoKey.start(folder, username)` → a DemoKey, or None when pcscd or the vpcd driver is not
installed (the demo then runs without it, and says so). `stop()` removes the key and stops
pcscd, waiting on it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.demo.test_pki import KeyMaterial
    from app.demo.virtual_key import VirtualKey
    from app.demo.vpcd_daemon import Pcscd
    from server.seed.staff import DemoAccount

KEY_OWNER = "1000001"  # Dre Tremblay: the key's identifier is her profile's


class DemoKey:
    def __init__(self, pcscd: Pcscd, key: VirtualKey, material: KeyMaterial, owner: str):
        self.pcscd, self.key, self.material, self.owner = pcscd, key, material, owner

    @property
    def ca_cert(self) -> Path:
        path: Path = self.material.ca.cert_path
        return path

    @staticmethod
    def start(folder: Path, username: str | None) -> DemoKey | None:
        from app.demo.virtual_key import VirtualKey, load_material
        from app.demo.vpcd_daemon import Pcscd, available, use_socket

        if not available():
            print("pcscd or the vpcd driver (vsmartcard-vpcd) is not installed: the demo runs "
                  "without the virtual QHR key.", file=sys.stderr, flush=True)
            return None
        os.environ["CLINICDESK_DEMO"] = "1"  # lets the virtual key start (never in production)
        owner = key_owner(username)
        key_id = owner.profile.qhr_key_id
        assert key_id, "the demo key's owner has a QHR key id (server.seed.staff)"
        material = load_material(folder / "key", key_id, owner.profile.display_name)
        pcscd = Pcscd(folder / "pcscd")
        use_socket(pcscd.socket_path)
        pcscd.start()
        print(f"Virtual QHR key of {owner.profile.display_name} "
              f"({owner.profile.qhr_key_id}, PIN 123456): Tools menu, Ctrl+Shift+I.", flush=True)
        return DemoKey(pcscd, VirtualKey(material, pcscd.port), material, owner.profile.username)

    def stop(self) -> None:
        try:
            self.key.remove()
        finally:
            self.pcscd.stop()


def key_owner(username: str | None) -> DemoAccount:
    """The demo account whose key this is: the one signed in when it has a QHR key id."""
    from server.seed import staff

    for account in staff.ACCOUNTS:
        if account.profile.username == username and account.profile.qhr_key_id:
            return account
    return staff.by_username(KEY_OWNER)
