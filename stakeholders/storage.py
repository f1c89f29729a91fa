"""Files that no URL serves: client attachments, thank-you letters, print batches.

They live outside MEDIA_ROOT (PRIVATE_FILES_ROOT), in a folder per organization, and only staff
views hand them out, after their own checks.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(
            location=getattr(settings, "PRIVATE_FILES_ROOT", settings.VAR_DIR / "private"),
            base_url=None,
        )


private_storage = PrivateStorage()


def get_private_storage():
    """Referenced by fields (not the storage itself), so migrations hold no machine's path."""
    return private_storage


def delete_on_commit(field_file):
    """Delete a stored file once the transaction that stops using it commits: an erasure that
    rolls back keeps its rows and their files together."""
    storage, name = field_file.storage, field_file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))
