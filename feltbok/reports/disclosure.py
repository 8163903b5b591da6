"""Small-cell suppression: a count from 1 to threshold−1 is never published as such."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Cell:
    value: int
    suppressed: bool

    def __str__(self):
        return f"<{threshold()}" if self.suppressed else str(self.value)


def threshold() -> int:
    return settings.FELTBOK_SUPPRESSION_THRESHOLD


def cell(value: int) -> Cell:
    """Zero stays zero (nobody to recognise); 1 to threshold−1 becomes "<threshold"."""
    return Cell(value=value, suppressed=0 < value < threshold())
