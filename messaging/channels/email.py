"""Email through Django's configured backend (SMTP when EMAIL_HOST is set, console otherwise)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from messaging.channels import Outgoing, SendFailed, SendOutcomeUnknown


def email_send(outgoing: Outgoing) -> str:
    # A stable Message-ID per attempt lets the receiving side spot a duplicate delivery.
    message_id = f"<shopcrm.{outgoing.shop_id}.{outgoing.message_id}.{outgoing.attempt}@{_domain()}>"
    email = EmailMessage(
        subject=outgoing.subject, body=outgoing.text, to=[outgoing.to],
        headers={**outgoing.headers, "Message-ID": message_id},
    )  # fmt: skip
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise SendFailed("smtp: recipient refused", is_retryable=False) from error
    except smtplib.SMTPServerDisconnected as error:
        # The server went away mid-conversation: it may have taken the message already.
        raise SendOutcomeUnknown("smtp: server disconnected during the send") from error
    except smtplib.SMTPResponseException as error:
        # 4xx is "try again later"; 5xx a refusal that a retry would not change.
        raise SendFailed(f"smtp: {error.smtp_code}", is_retryable=400 <= error.smtp_code < 500) from error
    except TimeoutError as error:
        raise SendOutcomeUnknown("smtp: timed out") from error
    except OSError as error:  # refused or unreachable: nothing was sent
        raise SendFailed(f"smtp: {type(error).__name__}", is_retryable=True) from error
    return message_id


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "localhost"
