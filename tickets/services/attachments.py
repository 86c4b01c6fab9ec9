"""Files attached to a ticket: size- and type-checked by their content (not by what the
browser claims), stored in the shop's own folder, read back only for the same shop."""

import uuid
from pathlib import Path

from django.utils.translation import gettext as _

from crm.models import Shop, User
from crm.platform.jobs import job_upload_dir
from crm.shops.audit import audit_event_record
from tickets.models import Ticket, TicketAttachment

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
KIND = "tickets"
# Leading bytes -> the content type served; anything else is refused.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


class AttachmentInvalid(ValueError):
    pass


def _content_type(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for signature, kind in SIGNATURES if head.startswith(signature)), None)


def attachment_add(*, shop: Shop, ticket: Ticket, upload, user: User | None) -> TicketAttachment:
    """Store an uploaded file (a Django UploadedFile) on the ticket."""
    assert ticket.shop_id == shop.pk
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise AttachmentInvalid(_("Files of at most %(mb)d MB.") % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)})
    upload.seek(0)
    content_type = _content_type(upload.read(16))
    if content_type is None:
        raise AttachmentInvalid(_("Only photos (JPEG, PNG, GIF, WebP) and PDF files."))
    folder = job_upload_dir(shop.pk, KIND)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / uuid.uuid4().hex
    upload.seek(0)
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    attachment = TicketAttachment.objects.create(
        shop=shop, ticket=ticket, file_name=Path(upload.name).name[:255] or "file", content_type=content_type,
        size=upload.size, storage_path=str(path), uploaded_by=user,
    )  # fmt: skip
    audit_event_record(action="ticket.attachment", obj=ticket, changes={"attachment_id": attachment.pk})
    return attachment


def attachment_path(attachment: TicketAttachment) -> Path:
    """The stored file, refused unless it is in its own shop's folder."""
    path = Path(attachment.storage_path)
    if path.parent != job_upload_dir(attachment.shop_id, KIND) or not path.is_file():
        raise AttachmentInvalid(_("The file is missing."))
    return path
