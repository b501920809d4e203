"""The PySide6 desktop application: windows, dialogs, background operations, translations.

The only layer that imports QtWidgets/QtGui, and every module here imports Qt. It never touches
the store or the network itself: it calls the services of `app.workstation.contracts` (plain
protocols) on background operations (`app.ui.op.Op`); `app.workstation.wiring.build_services`
wires the real ones (app.workstation, over app.sync, app.qhr and app.store); tests pass narrow
fakes.

Modules: app (QApplication, Shell, main), signin, main_window, search_panel, chart_view,
qhr_panel, status, lock (idle lock), settings_dialog (of app.settings), i18n, interaction (PIN
and key prompts for worker threads), pin_dialog, widgets, op, demo (the `clinicdesk demo` command).

Adding a user-visible string: write it in English with `self.tr("…")` in a widget class, or
`QT_TRANSLATE_NOOP("Context", "…")` where it is defined and `QCoreApplication.translate` /
`app.ui.i18n.translate(Text)` where it is shown; run resources/translations/build.py (dev.sh
setup does) and translate the new entry in clinicdesk_fr_CA.ts. tests/ui/test_translations.py
names every string left untranslated; tests/ui/test_screens.py fails on any visible text that
is not a translation (mark widgets that show chart data with `widgets.mark_data`).

Errors: the UI raises none of its own; it shows `UserFacingError` texts translated and never
shows `Cancelled`.
"""
