"""The chart's laboratory section: results grouped by LOINC test, the selected test's history
and trend chart with its reference band, values in the locale's format."""

from datetime import date

import pytest

from app.core.data_class import DataClass
from app.qhr.views import lab_trends
from app.ui.chart_view import ChartView
from app.workstation.contracts import Chart, PatientSummary

LOINC = "http://loinc.org"


def _obs(code: str, display: str, when: str, value: float, unit: str, low, high) -> dict:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "effectiveDateTime": when, "valueQuantity": {"value": value, "unit": unit},
            "referenceRange": [{"low": {"value": low, "unit": unit},
                                "high": {"value": high, "unit": unit}}]}


RESULTS = [_obs("2823-3", "Potassium", f"2025-0{m}-10T08:00:00-05:00", v, "mmol/L", 3.5, 5.0)
           for m, v in ((1, 4.1), (3, 5.4), (6, 4.6))] + [
    _obs("4548-4", "Hémoglobine A1c", "2025-02-01T08:00:00-05:00", 7.1, "%", 4.0, 6.0)]


def _view(qtbot) -> ChartView:
    view = ChartView(frozenset({DataClass.DEMOGRAPHICS, DataClass.LABS}))
    qtbot.addWidget(view)
    patient = PatientSummary("p1", "Tremblay", "Léa", date(1960, 1, 2), None)
    view.show_chart(Chart(patient, frozenset({DataClass.LABS}), {}, tuple(lab_trends(RESULTS))))
    view.show()
    view.show_data_class(DataClass.LABS)
    return view


def test_tests_grouped_with_history_and_trend_in_french(qtbot, french):
    view = _view(qtbot)
    labs = view.labs
    assert labs.tests.topLevelItemCount() == 2  # two LOINC codes
    labs.select("2823-3")
    assert labs.trend.trend.loinc == "2823-3" and len(labs.trend.trend.points) == 3
    history = [labs.history.topLevelItem(i) for i in range(labs.history.topLevelItemCount())]
    assert [row.text(1) for row in history] == ["4,6 mmol/L", "5,4 mmol/L", "4,1 mmol/L"]
    assert history[1].text(3) == "3,5 – 5 mmol/L"
    assert history[1].text(2) == "H"  # the flag beside the colour, never colour alone
    assert history[1].foreground(1).color().name() == "#c62828"  # above the range
    assert history[0].foreground(1).color().name() != "#c62828"
    assert labs.tests.headerItem().text(1) == "Dernier résultat"
    view.nav.setCurrentRow(1)
    image = labs.trend.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5)
               for y in range(0, image.height(), 5)}
    assert len(colours) > 3  # line, band, axes drawn


def test_selecting_another_test_replaces_history_and_chart(qtbot):
    view = _view(qtbot)
    view.labs.select("4548-4")
    assert view.labs.trend.trend.label == "Hémoglobine A1c"
    assert view.labs.history.topLevelItemCount() == 1
    assert view.labs.history.topLevelItem(0).text(1) == "7.1 %"
    view.clear()
    assert view.labs.tests.topLevelItemCount() == 0 and view.labs.trend.trend is None


MONTHLY = [_obs("2823-3", "Potassium", f"{2023 + m // 12}-{m % 12 + 1:02d}-10T08:00:00-05:00",
                4.0 + (m % 5) / 4, "mmol/L", 3.5, 5.0) for m in range(30)]


class _Charts:
    """A ChartService giving one chart of 30 monthly potassium results."""

    def readable(self, profile):
        from app.workstation.wiring import role_readable

        return role_readable(profile)

    def open(self, patient_id, cancel=None):
        patient = PatientSummary(patient_id, "Tremblay", "Léa", date(1960, 1, 2), None)
        return Chart(patient, frozenset({DataClass.LABS}), {}, tuple(lab_trends(MONTHLY)))


def _overlaps(labels) -> list[tuple[str, str]]:
    return [(a, b) for i, (ra, a) in enumerate(labels) for rb, b in labels[i + 1:]
            if ra.intersects(rb)]


@pytest.mark.parametrize("language", ["en", "fr_CA"])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_trend_date_labels_never_overlap_in_the_window(qtbot, qm_files, fake_services,
                                                       ui_settings, language, size):
    from app.ui.i18n import set_language
    from app.ui.main_window import MainWindow
    from app.workstation.contracts import SignedIn
    from tests.fixtures.ui import PHYSICIAN

    set_language(language)
    try:
        fake_services.charts = _Charts()
        window = MainWindow(fake_services, SignedIn(PHYSICIAN, "https://emr.test", True),
                            ui_settings)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        window.open_chart("p1")
        qtbot.waitUntil(lambda: window.chart_view.chart is not None, timeout=5000)
        window.chart_view.show_data_class(DataClass.LABS)
        qtbot.wait(50)
        trend = window.chart_view.labs.trend
        labels = trend.time_labels()
        texts = [t for _r, t in labels]
        assert texts[0] == trend.time_labels()[0][1] and len(texts) >= 3
        assert {MONTHLY[0]["effectiveDateTime"][:4], "2025"} <= {t[-4:] for t in texts}
        assert _overlaps(labels) == []
        assert all(r.left() >= 0 and r.right() <= trend.width() for r, _t in labels)
    finally:
        set_language("en")


@pytest.mark.parametrize("width", [150, 220, 320, 480, 900])
def test_trend_date_labels_fit_any_width_the_last_date_kept(qtbot, width):
    from app.ui.qhr_trend import TrendChart, day

    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(width, 200)
    chart.set_trend(lab_trends(MONTHLY)[0])
    labels = chart.time_labels()
    assert _overlaps(labels) == []
    assert day(MONTHLY[-1]["effectiveDateTime"]) in [t for _r, t in labels]
    assert all(r.left() >= 0 and r.right() <= width for r, _t in labels)


def test_the_value_axis_starts_where_the_data_does_never_below_zero():
    from app.workstation.face_sheet import axis_bounds

    lo, hi = axis_bounds([140.0, 142.0, 139.0], 135.0, 145.0)  # sodium: not from zero
    assert 130 < lo <= 135 and 145 <= hi < 150
    lo, hi = axis_bounds([0.02, 1.0], None, None)  # a value near zero: the axis stops at 0
    assert lo == 0.0 and hi > 1.0
    lo, hi = axis_bounds([-2.0, 1.0], None, None)  # a value that may be negative (base excess)
    assert lo < -2.0
