"""Sync engine: keeps the encrypted chart cache and the central FHIR R4 server in step.

`SyncEngine(client, cache)` (engine.py) over the central server's client (app.central) and the
store (store_cache.py: `StoreCache`, the store seen as the `SyncCache` protocol of cache.py):
pull (pull.py: reading the server in fetch.py and windows.py, cursors.py, writing into the cache
in ingest.py, deletions and evictions in reconcile.py; many charts at once in bulk.py), push
through the store's durable outbox (push.py), conflicts the user settles (conflicts.py), the
access-log upload and its check (audit.py, audit_check.py), and the charts fetched again once a
Consent stops withholding rows from this user (consent_watch.py).

Errors: app.central.SyncError (the central server's one root); app.core.errors.Cancelled when
a cancel event stops a long operation.
"""
