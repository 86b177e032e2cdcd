"""Write the reply to a customer's mail: threaded, in the customer's subject convention, text and HTML in UTF-8.

Replies follow RFC 5322 §3.6.4 (In-Reply-To, References) and RFC 3834 (``Auto-Submitted: auto-replied`` on
what we send without a person); ``X-Auto-Response-Suppress: All`` asks Exchange not to answer our automatic
replies with its own. Bodies are 7-bit clean (quoted-printable or base64, the library's choice), so any SMTP
server and IMAP APPEND takes them.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage

from api.mailbox.incoming import IncomingMail, message_ids
from kb.models import Language

REPLY_POLICY = policy.SMTP.clone(cte_type="7bit")
# The reply prefix per language: Outlook's Lithuanian "ATS:"; "回复：" of the Chinese webmails (QQ, NetEase);
# Japanese mailers keep "Re:".
REPLY_PREFIX = {Language.EN: "Re: ", Language.JA: "Re: ", Language.ZH: "回复：", Language.LT: "ATS: "}
# The subject of a reply to a mail without one.
NO_SUBJECT = {Language.EN: "Your message", Language.JA: "お問い合わせ", Language.ZH: "您的来信",
              Language.LT: "Jūsų laiškas"}
# Reply prefixes of the mailers our customers use (English, German, Nordic, Dutch, Lithuanian, Chinese), repeated,
# with a count ("RE[2]:"), with ASCII or full-width colons; forwarding prefixes stay.
EARLIER_PREFIXES = re.compile(r"^(?:\s*(?:re|aw|sv|antw|ats|回复|答复|回覆)\.?\s*(?:\[\d+\]|\(\d+\))?\s*[:：])+\s*",
                              re.IGNORECASE)


def reply_subject(subject: str, language: Language) -> str:
    """The subject of our reply: the customer's, with one reply prefix in their language's convention.

    Args:
        subject: the customer's subject, as read.
        language: the reply's language.

    Returns:
        The subject, earlier reply prefixes folded into one.
    """
    topic = EARLIER_PREFIXES.sub("", " ".join(subject.split()))
    return REPLY_PREFIX[language] + (topic or NO_SUBJECT[language])


def reply_message_id(seed: str, domain: str) -> str:
    """A stable Message-ID for a reply: the same seed (the incoming mail's id) always gives the same one.

    Args:
        seed: what identifies the reply, e.g. the mailbox and the incoming Message-ID.
        domain: our mail domain.

    Returns:
        ``<kb-<32 hex digits>@domain>``.
    """
    return f"<kb-{hashlib.sha256(seed.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def build_reply(mail: IncomingMail, *, from_address: str, from_name: str, text: str, html: str,
                language: Language, message_id: str, automatic: bool, date: datetime | None = None) -> EmailMessage:
    """The reply to a mail, to send by SMTP or to append as a draft.

    Args:
        mail: the customer's mail.
        from_address: the mailbox's From address.
        from_name: its display name.
        text: the reply as plain text.
        html: the reply as HTML.
        language: the reply's language (subject prefix, Content-Language).
        message_id: the reply's Message-ID (:func:`reply_message_id`).
        automatic: sent without a person (marks it ``Auto-Submitted: auto-replied``).
        date: the Date; now when None.

    Returns:
        A multipart/alternative message (text/plain, text/html, both UTF-8).

    Raises:
        ValueError: an address is not a valid addr-spec.
    """
    reply = EmailMessage(policy=REPLY_POLICY)
    reply["From"] = Address(display_name=from_name, addr_spec=from_address)
    reply["To"] = Address(display_name=mail.sender_name, addr_spec=mail.reply_to)
    reply["Subject"] = reply_subject(mail.subject, language)
    reply["Date"] = date or datetime.now(timezone.utc)
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = mail.message_id
    reply["References"] = " ".join(message_ids([*mail.references, mail.message_id]))
    if automatic:
        reply["Auto-Submitted"] = "auto-replied"
        reply["X-Auto-Response-Suppress"] = "All"
    reply.set_content(text, subtype="plain", charset="utf-8")
    reply.add_alternative(html, subtype="html", charset="utf-8")
    reply["Content-Language"] = language.value  # after the content: setting it clears the Content-* headers
    return reply
