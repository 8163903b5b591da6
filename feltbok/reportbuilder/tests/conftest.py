import datetime
import io

import pytest
from pypdf import PdfReader

from feltbok.reportbuilder import services
from feltbok.reports.tests.test_statistics import MONDAY, encounter

WEEK = datetime.timedelta(days=7)
FIGURE = {"measure": "contacts", "bucket": "week", "rows": ["area"], "chart": "bar"}


@pytest.fixture
def figures(patrol, area, second_area):
    """Three weeks in two areas; Vaterland's first week (3) is a small cell."""
    encounter(patrol, area, MONDAY, 3)
    encounter(patrol, area, MONDAY + WEEK, 47)
    encounter(patrol, area, MONDAY + 2 * WEEK, 20)
    encounter(patrol, second_area, MONDAY, 11)
    encounter(patrol, second_area, MONDAY + WEEK, 29)
    encounter(patrol, second_area, MONDAY + 2 * WEEK, 15)


@pytest.fixture
def analyst(actors):
    return actors["analyst"]


@pytest.fixture
def report(analyst):
    return services.create_report(
        analyst,
        title="Vaterland this autumn",
        audience="political",
        language="en",
        period_start=MONDAY,
        period_end=MONDAY + 2 * WEEK + datetime.timedelta(days=6),
    )


@pytest.fixture
def built(analyst, report, figures):
    """The report with a written section and a figure of contacts per area and week."""
    services.add_text_section(
        analyst,
        report,
        heading="What we see",
        body="More people sleep outside near the river.\n\nThe mood is calm.",
    )
    services.add_figure_section(analyst, report, heading="Contacts per area", figure=FIGURE)
    return report


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
