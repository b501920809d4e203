"""The workstation: what the windows and the commands do, without Qt.

Between `app.ui` (windows) and the layers below (app.qhr, app.sync, app.devices, app.store,
app.core): the UI calls the protocols of `contracts` on its worker threads, and the commands
(`clinicdesk export`, `audit report`) sign in through the same `Session`.

Modules:
- contracts: the protocols and value types the UI is given (`Services`, `SignedIn`, `Chart`…)
- session: sign-in online or offline, the user's store on its thread, the idle-lock check
- patients: patient search (server when online, the store otherwise), logged by kind
- charts: a chart pulled, read through the access policy, shaped for the view
- chart_display: a FHIR resource as one chart row (when, title, detail)
- notes: consultation notes written to the store and its outbox
- key_viewer: the QHR key's state and the signed-in user's QHR viewer session
- ramq: RAMQ look-ups and the administrator's forms over the session
- sync_status: online/offline, sync rounds, conflicts
- schedule: the day's appointments (the user's, or the clinic's for reception), prefetched
- access_log: who read a patient's record, the administrator's review, CSV/FHIR export
- wiring: `build_services`, the real services wired together

No module here imports Qt: listeners are called on any thread, the UI relays to its GUI thread.
"""
