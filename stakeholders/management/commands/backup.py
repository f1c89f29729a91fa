"""``manage.py backup [--output DIR]``: the database, private files and media in one archive."""

from django.core.management.base import BaseCommand, CommandError

from stakeholders.operations import backup


class Command(BaseCommand):
    help = (
        "Write a backup archive (database, private files, media, manifest with checksums). "
        "The encryption keys are not included: keep them safe apart from the backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default="var/backups", help="folder for the archive")

    def handle(self, *args, output, **options):
        try:
            path = backup.create_backup(output_dir=output, progress=self.stdout.write)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backup.read_manifest(path)
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {path} ({len(manifest['tables'])} tables, {rows} rows, "
                f"{len(manifest['files']) - 1} files)"
            )
        )
        self.stderr.write(
            self.style.WARNING(
                "The encryption keys (FIELD_ENCRYPTION_KEYS) and SECRET_KEY are NOT in the "
                "backup. Keep a copy of them somewhere safe, apart from the backups: without "
                "them encrypted client case notes can't be read after a restore."
            )
        )
