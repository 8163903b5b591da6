"""Patrol-mode pages stay light on a phone: under 150 KB transferred, compressed."""

import gzip
import re

import pytest
from django.conf import settings
from django.urls import reverse

LIMIT = 150 * 1024
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def transferred(html: str) -> int:
    """The page and every stylesheet and script it loads, gzip-compressed as served."""
    size = len(gzip.compress(html.encode(), 6))
    for path in set(ASSET.findall(html)):
        file = settings.BASE_DIR / "static" / path.removeprefix("/static/")
        size += len(gzip.compress(file.read_bytes(), 6))
    return size


@pytest.mark.parametrize(
    "name", ["fieldwork:patrol", "fieldwork:known", "fieldwork:new_person", "fieldwork:tally"]
)
def test_patrol_mode_pages_are_light(login, patrol, person, name):
    response = login("worker").get(reverse(name, kwargs={"code": patrol.code}))
    html = response.content.decode()
    assert response.status_code == 200
    assert len(ASSET.findall(html)) >= 4  # the stylesheets and scripts are counted
    assert transferred(html) < LIMIT
