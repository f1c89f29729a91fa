"""A data subject access request as a file: the PDF summary (rendered with WeasyPrint, locked
down) and the ZIP of everything with the person's own files."""

import json
import shutil
import zipfile
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from stakeholders.languages import reading_as


def render_pdf(*, organization, contact, data):
    """The summary needs no resource from anywhere: only inline data: URLs may be fetched."""
    with reading_as(organization=organization, contact=contact):
        html = render_to_string(
            "stakeholders/contacts/data_export.html",
            {
                "organization": organization,
                "contact": contact,
                "data": data,
                "prepared_at": datetime.fromisoformat(data["exported_at"]),
            },
        )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def write_zip(*, data, files, out):
    """``data.json`` (everything held, as the JSON export) and the person's files under
    ``files/``. A file listed but gone from the storage is named in ``missing_files`` rather
    than silently left out."""
    included, missing = [], []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, stored in files:
            try:
                with stored.open("rb") as source, archive.open(f"files/{name}", "w") as target:
                    shutil.copyfileobj(source, target)
            except FileNotFoundError:
                missing.append(name)
            else:
                included.append(f"files/{name}")
        everything = {**data, "files": included, "missing_files": missing}
        archive.writestr(
            "data.json", json.dumps(everything, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
