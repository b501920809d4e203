"""The PySide6 desktop application: windows, dialogs, background operations, translations.

The only layer that imports QtWidgets/QtGui. It never touches the store or the network itself:
it calls the services of `app.ui.services` on background operations (`app.ui.op.Op`).

Errors: the UI raises none of its own; it shows `UserFacingError` texts translated and never
shows `Cancelled`.
"""
