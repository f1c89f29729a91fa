"""Read one email (RFC 5322) from standard input and file it in the organization's shared inbox:
the pipe transport of a local mail server, e.g. a Postfix alias
``riverside-3f9a0c1d: "|/srv/steward/manage.py inbound_email --org riverside"``.

Exit codes are what mail servers understand (sysexits): 0 stored (or a duplicate, or an
automatic reply dropped on purpose); EX_DATAERR for a message we will never take (too big, no
sender, nothing in it): the server bounces it; EX_TEMPFAIL when the database can't be reached:
the server keeps the message and tries again later.
"""

import os
import sys

from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, OperationalError

from stakeholders.inbox import email_in
from stakeholders.tenancy.commands import OrganizationCommand


class Command(OrganizationCommand):
    help = "File an email from stdin in the shared inbox (for a mail server's pipe transport)."

    def handle_organization(self, organization, *args, **options):
        raw = sys.stdin.buffer.read(email_in.MAX_RAW_BYTES + 1)
        try:
            received = email_in.receive_raw(organization=organization, raw=raw)
        except email_in.Unusable as error:
            raise CommandError(str(error), returncode=os.EX_DATAERR) from error
        except (OperationalError, InterfaceError) as error:
            raise CommandError("the database is unavailable", returncode=os.EX_TEMPFAIL) from error
        except DatabaseError as error:
            raise CommandError("could not store the message", returncode=os.EX_TEMPFAIL) from error
        if received.ignored:
            self.stdout.write("automatic message (auto-reply or bounce): not stored")
        elif received.message is None:
            self.stdout.write("taken by what it answers")
        else:
            state = "stored" if received.created else "already stored"
            self.stdout.write(f"{state}: message {received.message.pk}")
