"""The face sheet, the chart's first section: what a physician reads before the patient sits
down — active problems, allergies, current and stopped medications, the latest vital signs and
results with their flags, the last and next visits. A withheld part says so, never empty."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.data_class import DataClass
from app.ui.chart_reader import detail_text, shown, when_text
from app.ui.i18n import translate
from app.ui.widgets import Retranslatable, mark_data, named, wrap_column
from app.workstation.contracts import FIRST, Chart, ChartEntry, Flag

SECTION = "cd_section"
ABNORMAL = QColor("#c62828")
# part → the data class it comes from (withheld when that class is)
PARTS: tuple[tuple[str, DataClass], ...] = (
    ("problems", DataClass.PROBLEMS), ("allergies", DataClass.ALLERGIES),
    ("current_medications", DataClass.MEDICATIONS), ("stopped_medications", DataClass.MEDICATIONS),
    ("vitals", DataClass.NOTES), ("results", DataClass.LABS), ("visits", DataClass.NOTES),
)


def flag_text(flag: Flag) -> str:
    """The flag as letters, shown beside the colour (never colour alone)."""
    return {Flag.CRITICAL_HIGH: "HH !", Flag.CRITICAL_LOW: "LL !"}.get(flag, flag.value)


def entry_row(entry: ChartEntry) -> QTreeWidgetItem:
    item = QTreeWidgetItem([shown(entry.title), detail_text(entry), flag_text(entry.flag),
                            when_text(entry)[:10]])
    if entry.flag is not Flag.NONE:
        item.setForeground(1, ABNORMAL)
        item.setForeground(2, ABNORMAL)
    return item


class FaceSheetPage(Retranslatable, QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty(SECTION, DataClass.DEMOGRAPHICS.value)
        self.setObjectName("face_sheet")
        outer = QVBoxLayout(self)
        self.role_notice = named(QLabel(self), "face_not_for_role")
        self.role_notice.setWordWrap(True)
        self.role_notice.hide()
        outer.addWidget(self.role_notice)
        grid = QGridLayout()
        outer.addLayout(grid, 1)
        self.titles: dict[str, QLabel] = {}
        self.lists: dict[str, QTreeWidget] = {}
        self.notices: dict[str, QLabel] = {}
        for i, (key, _cls) in enumerate(PARTS):
            box = QVBoxLayout()
            self.titles[key] = named(QLabel(self), "face_title")
            tree = self.lists[key] = mark_data(QTreeWidget(self))
            tree.setObjectName(f"face_{key}")
            tree.setRootIsDecorated(False)
            tree.setColumnCount(2 if key == "visits" else 4)
            tree.setHeaderHidden(True)
            wrap_column(tree, 1 if key == "visits" else 0)  # names wrap; values always seen
            self.notices[key] = notice = named(QLabel(self), "face_withheld")
            notice.setWordWrap(True)
            notice.hide()
            for part in (self.titles[key], tree, notice):
                box.addWidget(part)
            grid.addLayout(box, i // 2, i % 2)
        self.chart: Chart | None = None
        self.role_readable: frozenset[DataClass] | None = None  # None: not known (all)
        self.retranslate()

    def retranslate(self) -> None:
        titles = {"problems": self.tr("Active problems"), "allergies": self.tr("Allergies"),
                  "current_medications": self.tr("Current medications"),
                  "stopped_medications": self.tr("Stopped medications"),
                  "vitals": self.tr("Latest vital signs"),
                  "results": self.tr("Latest results"), "visits": self.tr("Visits")}
        for key, label in self.titles.items():
            label.setText(titles[key])
        if self.chart is not None:
            self.show_chart(self.chart)

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        face = chart.face
        rows: dict[str, tuple[ChartEntry, ...]] = {
            "problems": face.problems,
            "allergies": tuple(e for e in chart.entries.get(DataClass.ALLERGIES, [])
                               if not e.inactive),
            "current_medications": face.current_medications,
            "stopped_medications": face.stopped_medications,
            "vitals": face.vitals, "results": face.results,
        }
        for key, data_class in PARTS:
            tree, notice = self.lists[key], self.notices[key]
            tree.clear()
            withheld = chart.withheld.get(data_class)
            not_for_role = withheld is None and not self._role_reads(key, data_class)
            self.titles[key].setVisible(not not_for_role)  # the part is not drawn at all
            notice.setVisible(withheld is not None)
            if withheld is not None:
                notice.setText(self.tr("Withheld from you: ") + " ".join(
                    translate(r) for r in withheld.reasons[:1]))
            if withheld is not None or not_for_role:
                tree.hide()
                continue
            tree.show()
            if not chart.complete and data_class not in FIRST:
                tree.addTopLevelItem(QTreeWidgetItem([self.tr("Loading…")]))
                continue
            if key == "visits":
                self._visits(tree, face.last_visit, face.next_visit)
                continue
            for entry in rows[key]:
                tree.addTopLevelItem(entry_row(entry))
            if not rows[key]:
                tree.addTopLevelItem(QTreeWidgetItem([self.tr("None recorded")]))
        self.role_notice.setText(self.tr("Clinical information is not available to your role."))
        self.role_notice.setVisible(any(not self._role_reads(k, c) for k, c in PARTS))

    def _role_reads(self, key: str, data_class: DataClass) -> bool:
        """Whether the signed-in user's role reads this part at all (the visits: the notes'
        encounters or the appointments)."""
        readable = self.role_readable
        if readable is None:
            return True
        return data_class in readable or (key == "visits"
                                          and DataClass.APPOINTMENTS in readable)

    def _visits(self, tree: QTreeWidget, last: ChartEntry | None,
                coming: ChartEntry | None) -> None:
        for label, entry in ((self.tr("Last visit"), last), (self.tr("Next visit"), coming)):
            said = " — ".join(part for part in (
                when_text(entry)[:10], shown(entry.title), entry.detail) if part
            ) if entry else self.tr("none")
            tree.addTopLevelItem(QTreeWidgetItem([label, said]))

    def clear(self) -> None:
        self.chart = None
        for tree in self.lists.values():
            tree.clear()
