"""The restore drill: back up a seeded organization, restore it into an empty database and empty
folders with `manage.py restore`, and find every table and file the same."""

import io
import json
import os
import secrets
import tarfile
import time

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from config import dbserver
from stakeholders.operations import backup
from tests import processes
from tests.factories import (
    ContactFactory,
    GiftFactory,
    InteractionFactory,
    MembershipFactory,
    OrganizationFactory,
    ServiceRequestFactory,
)

FINGERPRINTS = (
    "import json; from stakeholders.operations import backup; "
    "print(json.dumps(backup.table_fingerprints()))"
)


@pytest.fixture
def folders(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    (settings.MEDIA_ROOT / "logos").mkdir(parents=True)
    (settings.MEDIA_ROOT / "logos" / "riverside.png").write_bytes(b"\x89PNG\r\n" + os.urandom(512))
    letters = settings.PRIVATE_FILES_ROOT / "letters" / "1"
    letters.mkdir(parents=True)
    (letters / "thank-you-1.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2048))
    return settings


@pytest.fixture
def empty_database():
    """A new database on the same server, made (and dropped afterwards) by the owner role."""
    name = f"steward_restore_{secrets.token_hex(4)}"
    server = {**connection.settings_dict, **settings.DATABASE_OWNER}
    admin = psycopg2.connect(
        dbname="postgres", user=server["USER"], host=server["HOST"], port=server["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {
        "DATABASE_URL": dbserver.url_for({**connection.settings_dict, "NAME": name}),
        "DATABASE_OWNER_URL": dbserver.url_for({**server, "NAME": name}),
    }
    drop_when_unused(admin, name)
    admin.close()


def drop_when_unused(admin, name, *, wait_seconds=30):
    """Drop the database once the restore's sessions have ended. They belong to the application
    role, which the owner may not terminate (no pg_signal_backend), and a backend lingers a moment
    after its client process exits, so DROP … WITH (FORCE) alone can fail on a busy machine."""
    deadline = time.monotonic() + wait_seconds
    with admin.cursor() as cursor:
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
            if cursor.fetchone()[0] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def seed():
    organization = OrganizationFactory(slug="riverside")
    MembershipFactory(organization=organization)
    contacts = ContactFactory.create_batch(5, organization=organization)
    for contact in contacts:
        InteractionFactory(contact=contact)
        GiftFactory(contact=contact)
    ServiceRequestFactory(contact=contacts[0])  # encrypted case text travels as it is
    OrganizationFactory(slug="hope")


def manage(tmp_path, database, *args):
    """A command as an operator runs it on the machine restored to (production-like settings)."""
    return processes.manage(
        *args,
        DJANGO_SETTINGS_MODULE="config.settings.development",
        **database,
        MEDIA_ROOT=str(tmp_path / "restored-media"),
        PRIVATE_FILES_ROOT=str(tmp_path / "restored-private"),
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_every_table_and_file(
    folders, empty_database, tmp_path, capsys
):
    seed()
    call_command("backup", "--output", str(tmp_path / "backups"))
    archive = next((tmp_path / "backups").glob("steward-backup-*.tar"))
    assert oct(archive.stat().st_mode)[-3:] == "600"
    assert "NOT in the backup" in capsys.readouterr().err

    manifest = backup.read_manifest(archive)
    assert manifest["tables"]["stakeholders_contact"]["rows"] == 5
    assert set(manifest["files"]) == {
        "database.dump",
        "files/media/logos/riverside.png",
        "files/private/letters/1/thank-you-1.pdf",
    }
    with tarfile.open(archive) as contents:  # the keys are never in a backup
        everything = b"".join(
            contents.extractfile(m).read() for m in contents.getmembers() if m.isfile()
        )
    assert settings.FIELD_ENCRYPTION_KEYS[0].encode() not in everything

    restored = manage(tmp_path, empty_database, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "every table and file matches" in restored.stdout

    # Independently of the command's own check: the same rows in every table, the same files.
    after = processes.last_line(manage(tmp_path, empty_database, "shell", "-c", FINGERPRINTS))
    assert json.loads(after) == backup.table_fingerprints()
    for name, source in (("media", folders.MEDIA_ROOT), ("private", folders.PRIVATE_FILES_ROOT)):
        restored_files = backup.file_digests(tmp_path / f"restored-{name}")
        assert restored_files == backup.file_digests(source) and restored_files

    # A second restore into the now full database is refused, and changes nothing.
    again = manage(tmp_path, empty_database, "restore", str(archive), "--replace-files")
    assert again.returncode != 0 and "not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_changes(folders, empty_database, tmp_path):
    seed()
    path = backup.create_backup(output_dir=tmp_path / "backups")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(path) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith(".pdf"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = manage(tmp_path, empty_database, "restore", str(damaged))
    assert result.returncode != 0 and "letters/1/thank-you-1.pdf" in result.stderr
    assert "missing or damaged" in result.stderr
    empty = processes.last_line(manage(tmp_path, empty_database, "shell", "-c", FINGERPRINTS))
    assert json.loads(empty) == {}
    assert not (tmp_path / "restored-private").exists()
