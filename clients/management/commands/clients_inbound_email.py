"""Read one email (RFC 822) from standard input and file it as a service request."""

import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from clients import inbound
from stakeholders.inbox import email_in
from stakeholders.tenancy.commands import OrganizationCommand


class Command(OrganizationCommand):
    help = "File an email from stdin as a service request (for a mail server's pipe transport)."

    def handle_organization(self, organization, *args, **options):
        raw = sys.stdin.buffer.read(email_in.MAX_RAW_BYTES + 1)
        try:
            request, created = inbound.receive(organization=organization, raw=raw)
        except (ValidationError, email_in.Unusable) as error:  # the mail server bounces it
            reason = "; ".join(error.messages) if hasattr(error, "messages") else str(error)
            raise CommandError(reason, returncode=os.EX_DATAERR) from error
        except inbound.TryLater as error:  # the mail server defers the message and retries
            raise CommandError(
                "too many new requests this hour; try again later", returncode=os.EX_TEMPFAIL
            ) from error
        if request is None:
            self.stdout.write("not a request: automatic, or filed in the shared inbox")
        else:
            self.stdout.write(f"{'created' if created else 'updated'} request {request.pk}")
