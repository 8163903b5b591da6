"""Restore on Python < 3.11.4 (Debian 12's 3.11.2), where tarfile has no "data" filter."""

import io
import tarfile

import pytest

from feltbok.core.backup import BackupError, _extract


def archive_with(*members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    buffer.seek(0)
    return tarfile.open(fileobj=buffer)


def regular(name, data=b"x"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def symlink(name, target):
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info, None


@pytest.fixture
def old_python(monkeypatch):
    monkeypatch.delattr(tarfile, "data_filter")


def test_plain_files_are_unpacked(old_python, tmp_path):
    with archive_with(regular("manifest.json", b"{}"), regular("media/a.txt", b"a")) as archive:
        _extract(archive, tmp_path)

    assert (tmp_path / "manifest.json").read_bytes() == b"{}"
    assert (tmp_path / "media" / "a.txt").read_bytes() == b"a"


@pytest.mark.parametrize(
    "member",
    [regular("../outside.txt"), regular("/tmp/absolute.txt"), symlink("media/link", "/etc")],
)
def test_members_outside_the_backup_are_refused(old_python, tmp_path, member):
    target = tmp_path / "work"
    target.mkdir()

    archive = archive_with(regular("manifest.json", b"{}"), member)
    with archive, pytest.raises(BackupError, match="Refused archive member"):
        _extract(archive, target)

    assert list(target.iterdir()) == []
    assert list(tmp_path.iterdir()) == [target]
