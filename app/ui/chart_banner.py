"""The patient banner, above every section of the chart: name, sex, age and birth date (ISO:
unambiguous in both languages), NAM, chart number, family physician, and the allergy alert
(listed with severity, none known, not recorded, or withheld). Fields wrap, never elide."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.ui.widgets import Retranslatable, data_label
from app.workstation.chart_display import age_on
from app.workstation.contracts import AllergyAlert, AllergyState, Chart

SEVERE, WARN, QUIET = "#b71c1c", "#8a5a00", "#475569"


class PatientBanner(Retranslatable, QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("patient_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        self.fields: dict[str, QLabel] = {}
        for row, keys in ((top, ("name", "sex_age", "born")),
                          (bottom, ("nam", "chart_number", "physician"))):
            for key in keys:
                label = self.fields[key] = data_label(self, f"banner_{key}")
                label.setWordWrap(True)
                row.addWidget(label, 2 if key in ("name", "physician") else 1)
            layout.addLayout(row)
        self.allergy = data_label(self, "banner_allergies")
        self.allergy.setWordWrap(True)
        layout.addWidget(self.allergy)
        self.chart: Chart | None = None
        self.today = date.today()
        self.retranslate()

    def retranslate(self) -> None:
        if self.chart is not None:
            self.show_chart(self.chart)

    def show_chart(self, chart: Chart, today: date | None = None) -> None:
        self.chart, self.today = chart, today or date.today()
        p = chart.patient
        age = age_on(p.birth_date, self.today)
        sex = {"female": self.tr("Female"), "male": self.tr("Male"), "other": self.tr("Other"),
               "unknown": self.tr("Sex unknown")}.get(p.sex, self.tr("Sex not recorded"))
        values = {
            "name": f"<b style='font-size:large'>{escape(p.family.upper())}, {escape(p.given)}"
                    "</b>",
            "sex_age": escape(f"{sex}, " + (self.tr("{n} years").replace("{n}", str(age))
                                            if age is not None else self.tr("age unknown"))),
            "born": escape(self.tr("Born {date}").replace(
                "{date}", p.birth_date.isoformat() if p.birth_date else "—")),
            "nam": escape(self.tr("NAM {nam}").replace("{nam}", p.nam or "—")),
            "chart_number": escape(self.tr("Chart {number}").replace(
                "{number}", p.chart_number or "—")),
            "physician": escape(self.tr("Family physician: {name}").replace(
                "{name}", p.family_physician or self.tr("none recorded"))),
        }
        for key, value in values.items():
            self.fields[key].setText(value)
        self.allergy.setText(self.alert_html(chart.allergy_alert))

    def alert_html(self, alert: AllergyAlert) -> str:
        if alert.state is AllergyState.LISTED:
            colour = SEVERE if alert.severe else WARN
            head = self.tr("SEVERE ALLERGIES") if alert.severe else self.tr("Allergies")
            return (f"<span style='color:{colour}'><b>⚠ {escape(head)}:</b> "
                    f"{escape('; '.join(alert.items))}</span>")
        words = {AllergyState.NONE_KNOWN: (QUIET, self.tr("No known allergies")),
                 AllergyState.NOT_RECORDED: (WARN, self.tr("Allergies not recorded: ask the "
                                                           "patient")),
                 AllergyState.WITHHELD: (SEVERE, self.tr("Allergies withheld from you "
                                                         "(restricted): they may exist"))}
        colour, said = words[alert.state]
        return f"<span style='color:{colour}'><b>{escape(said)}</b></span>"

    def clear(self) -> None:
        self.chart = None
        for label in (*self.fields.values(), self.allergy):
            label.clear()
