"""``manage.py restore ARCHIVE``: into an empty database, checked against the manifest."""

from django.core.management.base import BaseCommand, CommandError

from stakeholders.operations import backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database (and the file folders), then check "
        "every table and file against the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--replace-files",
            action="store_true",
            help="empty PRIVATE_FILES_ROOT and MEDIA_ROOT first (they must be empty otherwise)",
        )

    def handle(self, *args, archive, replace_files, **options):
        try:
            manifest = backup.restore_backup(
                archive_path=archive, replace_files=replace_files, progress=self.stdout.write
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        missing = set(manifest["encryption_key_fingerprints"]) - set(backup.key_fingerprints())
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    "The keys this backup's data was encrypted with are not all configured "
                    f"(fingerprints {', '.join(sorted(missing))}): set FIELD_ENCRYPTION_KEYS to "
                    "include them, or encrypted client case notes stay unreadable."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}: every table and file matches."
            )
        )
