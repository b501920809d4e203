"""Accounts, sign-in and the server side of access control.

- `store.IdentityStore`: accounts and OAuth tokens in the resource store's database;
- `tokens.TokenService`: authorization_code (PKCE) / password / refresh_token grants, codes,
  rotation, revocation, bearer check;
- `throttle.SignInThrottle`: failed sign-ins per account and client address, in the database;
- `routes`: /oauth/token, /oauth/revoke, /api/me (included by server.app.ROUTERS), with
  `authorize` (/oauth/authorize and its `login_page`) and `smart` (.well-known discovery);
- `patients.PatientContexts`: a patient's physicians and consent for app.core.access;
- `audit`: AuditEvent (BALP) per patient read, durable before the read is answered;
- `accounts.add_account`: an account and its FHIR Practitioner.
`install(app)` adds the audit middleware; `services(app)` builds the rest on first use from
`app.state.store` and `app.state.settings`; `shutdown(app)` stops the audit writer.
Errors: `tokens.OAuthError` (RFC 6749 error body); server.authz.Denied (401/403).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.identity.audit import AuditMiddleware
from server.identity.audit_writer import AuditWriter
from server.identity.patients import PatientContexts
from server.identity.store import IdentityStore
from server.identity.tokens import ACCESS_TTL, TokenService
from server.storage.checkpoint import CHECKPOINT_FILE

_LOCK = threading.Lock()


@dataclass
class Services:
    identity: IdentityStore
    tokens: TokenService
    patient_contexts: PatientContexts
    audit: AuditWriter


def services(app: Any) -> Services:
    found = getattr(app.state, "identity_services", None)
    if found is not None:
        return found
    with _LOCK:
        found = getattr(app.state, "identity_services", None)
        if found is None:
            store = app.state.store
            ttl = getattr(app.state.settings, "access_token_ttl", ACCESS_TTL)
            identity = IdentityStore(store)
            checkpoint = Path(app.state.settings.data_dir) / CHECKPOINT_FILE
            found = Services(identity, TokenService(identity, access_ttl=ttl),
                             PatientContexts(store),
                             AuditWriter(store, checkpoint, durable=getattr(
                                 app.state.settings, "audit_durability", "disk") == "disk"))
            app.state.identity_services = found
    return found


def install(app: Any) -> None:
    app.add_middleware(AuditMiddleware, writer_of=lambda: services(app).audit)


def shutdown(app: Any) -> None:
    """Stop the audit writer once what it was given is stored (graceful shutdown)."""
    found = getattr(app.state, "identity_services", None)
    if found is not None:
        found.audit.close()
        app.state.identity_services = None
