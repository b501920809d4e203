"""RAMQ services for the workstation (service.py: `RamqService`): the front desk's look-ups of
family physician and eligibility, online through the central server's /api/ramq routes
(app.central) else from the store's cache, and the administrator's forms.

Errors: app.central.SyncError (its subclasses FormRefused, NoAnswer in service.py);
app.core.access.AccessDenied when the role may not look up registrations.
"""
