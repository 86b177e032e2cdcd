"""Read a whole customer message: keep only what the customer wrote now.

A mail or ticket arrives with much that is not the customer's question: an HTML body, the quoted
earlier thread, a forwarded mail, greetings, closings, a signature, a disclaimer. Retrieval must
see none of it (a quoted mail about a late parcel must not decide the article for a question
about the newsletter), and the reply language must come from the customer's own words.

The steps:

1. HTML -> text with inscriptis (scripts and styles dropped); quoted parts of the HTML (Gmail's
   ``gmail_quote``, ``<blockquote>``, Outlook's reply block) are cut off before conversion.
2. The thread is split at the first reply or forward header with mail-parser-reply, whose
   patterns (English, Japanese and Chinese clients) we extend with the ones it misses for our four
   languages: Lithuanian ``Nuo: / Išsiųsta:`` and ``rašė:``, Japanese Outlook ``差出人: / 送信日時:``,
   Gmail's wrapped ``On ... wrote:``, and forwarded-message banners in every language.
3. ``>`` lines, signatures (``-- ``, "Sent from my iPhone" and the like), disclaimers, and
   greeting and closing lines (with the name and contact lines after a closing) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lxml import html as lxml_html
from mailparser_reply.parser import EmailMessage

# The longest message read: a long ticket with its quoted thread fits.
MAX_MESSAGE_CHARS = 20_000
# Containers mail clients put the quoted earlier mail in.
HTML_QUOTE_XPATH = ("//blockquote | //*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]"
                    " | //*[@id='divRplyFwdMsg'] | //*[@id='appendonsend'] | //*[contains(@class, 'yahoo_quoted')]"
                    " | //*[@id='mail-editor-reference-message-container']")
HTML_DROPPED_XPATH = "//script | //style | //head"

FORWARD_BANNER = (r"(^[ \t]*-{2,}[ \t]*(?:Forwarded message|Original Message|Forwarded Message|転送メッセージ"
                  r"|元のメッセージ|转发的邮件|原始邮件|轉寄郵件|Persiųstas laiškas|Pradinis laiškas|Originalus laiškas"
                  r"|Persiunčiamas laiškas)[ \t]*-{2,}[ \t]*$|^[ \t]*Begin forwarded message:[ \t]*$)")
# Reply headers of one line, possibly wrapped once by the client: "On Tue, 3 Nov 2026, Shop <a@b> wrote:",
# "2026-11-03, an, 10:15 Shop <a@b> rašė:", "Shop <a@b> 于2026年11月3日周二 10:15写道：", "2026年11月3日(火) 10:15 Shop <a@b>:".
WROTE_LINE = (r"(^[^\n]{0,200}(?:\n[^\n]{0,120})?(?:wrote|rašė|raše|rase|写道|寫道|のメッセージ)[ \t]*[:：][ \t]*$"
              r"|^\d{4}年\d{1,2}月\d{1,2}日[^\n]{0,100}<[^\n<>]+@[^\n<>]+>[ \t]*[:：][ \t]*$)")


def _header_block(fields: str) -> str:
    """An Outlook-style block: two or more header lines among ``fields`` (as mail-parser-reply writes it)."""
    return rf"((?:(?:^|\n)(?:> ?)*[* ]*(?:{fields})[ \t]*[:：][ *]*(?:\s{{,2}}).*){{2,}}(?:\n.*){{,1}})"


# Our additions to mail-parser-reply's patterns, per language; its own are kept, except its "wrote" headers,
# which WROTE_LINE replaces (see _Thread).
EXTRA_PATTERNS: dict[str, dict[str, str]] = {
    "en": {"wrote_header": WROTE_LINE, "from_header": FORWARD_BANNER},
    "ja": {"from_header": _header_block("差出人|送信者|送信日時|日時|宛先|件名|CC|From|Sent|To|Subject|Date")},
    "zh": {"from_header": _header_block("发件人|發件人|发送时间|發送時間|时间|日期|收件人|主题|主旨|抄送|From|Date|To|Subject")},
    "lt": {"from_header": _header_block("Nuo|Išsiųsta|Siųsta|Data|Kam|Tema|Kopija|From|Sent|To|Subject")},
}

SIGNATURE_START = re.compile(
    r"^(?:--[ \t]?|__+|Sent from my .{1,40}|Get Outlook for .{1,40}|Sent from Mail for Windows.*|Sent from Yahoo Mail.*"
    r"|Išsiųsta iš mano .{1,40}|Siųsta iš mano .{1,40}|iPhoneから送信|.{0,20}から送信|发自我的.{1,30}|从我的.{1,30}发送"
    r"|来自.{1,20}(?:客户端|邮箱)|発信元.{0,30})$", re.IGNORECASE)
DISCLAIMER_START = re.compile(
    r"^(?:CAUTION:|Disclaimer|CONFIDENTIAL|This (?:e-?mail|message)(?: and any attachments?)? (?:is|are|may be)"
    r" (?:confidential|intended)|Šis (?:el\. )?laiškas .{0,60}konfidencial|Šiame laiške .{0,60}konfidencial"
    r"|本(?:メール|電子メール).{0,40}(?:機密|秘密)|本邮件.{0,40}(?:保密|机密)|此邮件.{0,40}(?:保密|机密))", re.IGNORECASE)

# Whole lines that only greet: dropped at the start of the message. A Latin greeting may be followed by
# a name or "team", never by other words (chat turns often have no punctuation: "hi where is my order").
NAME_WORD = r"(?:[A-ZĄČĘĖĮŠŲŪŽ][\w.'\-]*|(?i:there|all|team|everyone|folks|guys|support|customer service|sir|madam))"
GREETING = re.compile(
    r"^(?:(?i:hi|hello|hey|dear|good morning|good afternoon|good evening|greetings|to whom it may concern"
    r"|laba diena|labas rytas|labas vakaras|labą dieną|labas|sveiki|sveikas|sveika|gerbiamieji|gerb\.|gerbiam\w*)"
    rf"(?:[ \t,]+{NAME_WORD}){{0,4}}"
    r"|(?:いつも|大変)?お世話になって(?:おり|い)ます|お世話になります|はじめまして|初めまして|こんにちは|こんばんは"
    r"|突然のご連絡失礼いたします|[^\n。？?]{0,30}(?:様|御中|ご担当者様|担当者様|ご担当者さま)"
    r"|(?:您好|你好|尊敬的[^\n。！？?]{0,20}|亲爱的[^\n。！？?]{0,20}|[^\n。！？?]{0,20}(?:您好|你好))"
    r")[ \t]*[,，.。!！:：]?[ \t]*$")
# Lines that close a message: the rest of the message after one is a signature.
CLOSING = re.compile(
    r"^(?:(?:many |big )?thanks?(?: you)?(?: so much| very much| again| in advance)?|thx|cheers|best|best wishes"
    r"|(?:best|kind|warm|many)(?: regards)?|regards|sincerely|yours(?: sincerely| faithfully| truly)?|all the best"
    r"|take care|looking forward to (?:your|hearing)[^.!?\n]{0,30}"
    r"|pagarbiai|su pagarba|ačiū|aciu|dėkoju|dekoju|dėkui|dekui|iš anksto dėkoju|is anksto dekoju|iš anksto ačiū"
    r"|is anksto aciu|linkėjimai|linkejimai|geros dienos|gražios dienos|grazios dienos|laukiu atsakymo"
    r"|よろしくお願い(?:いた|致)?します|よろしくお願い申し上げます|宜しくお願い(?:いた|致)?します|以上、?よろしくお願い(?:いた|致)?します"
    r"|以上です|何卒よろしくお願い(?:いた|致)?します|ご確認(?:の程|のほど)?よろしくお願い(?:いた|致)?します"
    r"|谢谢|谢谢您|非常感谢|多谢|此致|敬礼|祝好|祝商祺|期待(?:您的)?回复|麻烦了|辛苦了)"
    r"[ \t]*[,，.。!！~～]*[ \t]*(?:[\w .'\-]{0,40})?$", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|wg|sv|vs|ats|atsak|pers|回复|答复|转发|回覆|轉寄|返信|転送)\s*[:：]\s*)+",
                          re.IGNORECASE)
BLANK_RUN = re.compile(r"\n{3,}")
# A signature is short: after a closing line, at most this many lines may follow for them to be dropped.
SIGNATURE_LINES = 8


class EmptyMessageError(ValueError):
    """Nothing of the customer's own is left after reading (only a quote, a signature, a greeting)."""


@dataclass(frozen=True)
class ReadMessage:
    """What the customer wrote now, and what was set aside.

    ``text`` is what concerns and the language come from; ``quoted`` (the earlier thread or
    forwarded mail) is kept for context only and never decides the article.
    """

    text: str
    subject: str
    quoted: str


class _Thread(EmailMessage):
    """mail-parser-reply's message, with our four languages' reply headers added to its own.

    Its own one-line "wrote" headers are replaced by ours: they backtrack without bound (20,000
    characters of "On On On ..." took 14 s), ours read at most two lines of bounded length.
    """

    def _get_language_regex(self, language: str, regex_key: str) -> str:
        theirs = "" if regex_key == "wrote_header" else super()._get_language_regex(language, regex_key)
        ours = EXTRA_PATTERNS.get(language, {}).get(regex_key, "")
        return "|".join(pattern for pattern in (theirs, ours) if pattern)


def read_message(body: str, subject: str | None = None, html: bool = False) -> ReadMessage:
    """Keep the customer's own new words of a message.

    Args:
        body: the message body, plain text or HTML.
        subject: the mail's subject, if any ("Re:"/"Fwd:" prefixes are dropped).
        html: whether ``body`` is HTML.

    Returns:
        The message as read.
    """
    quoted_html = ""
    if html:
        body, quoted_html = html_to_text(body)
    own, quoted = split_thread(body)
    return ReadMessage(text=_strip_frame(own), subject=clean_subject(subject or ""),
                       quoted="\n\n".join(part for part in (quoted, quoted_html) if part))


def html_to_text(markup: str) -> tuple[str, str]:
    """The visible text of an HTML mail, and separately the text of its quoted parts.

    Args:
        markup: the HTML body.

    Returns:
        (text without the quoted parts, text of the quoted parts).
    """
    from inscriptis import get_text

    if not markup.strip():
        return "", ""
    try:
        tree = lxml_html.document_fromstring(markup)
    except (ValueError, lxml_html.etree.ParserError):
        return get_text(markup), ""
    for element in tree.xpath(HTML_DROPPED_XPATH):
        element.drop_tree()
    quoted, taken = [], set()
    for element in tree.xpath(HTML_QUOTE_XPATH):
        if not taken.intersection(element.iterancestors()):  # not inside a container already taken out
            taken.add(element)
            quoted.append(get_text(lxml_html.tostring(element, encoding="unicode")))
            element.drop_tree()
    return get_text(lxml_html.tostring(tree, encoding="unicode")), "\n".join(quoted).strip()


def split_thread(text: str) -> tuple[str, str]:
    """Split a plain-text mail at its first reply or forward header.

    Args:
        text: the body.

    Returns:
        (the new text above the header, the quoted or forwarded rest).
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    thread = _Thread(text=text, languages=list(EXTRA_PATTERNS), keep_hyphen_lists=True)
    header = thread.HEADER_REGEX.search(thread.text)
    if header is None:
        return thread.text, ""
    return thread.text[:header.start()], thread.text[header.start():].strip()


def clean_subject(subject: str) -> str:
    """A subject without reply and forward prefixes."""
    return REPLY_PREFIX.sub("", subject.replace("\n", " ")).strip()


def _strip_frame(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if not line.startswith(">")]
    lines = _cut_at(lines, lambda line: bool(SIGNATURE_START.match(line) or DISCLAIMER_START.match(line)))
    kept = _join(lines)
    while True:
        while lines and not lines[-1]:
            lines.pop()
        closing = _closing_at(lines)
        if closing is None:
            break
        del lines[closing:]
    start = 0
    while start < len(lines) and (not lines[start] or GREETING.match(lines[start])):
        start += 1
    # a message of pleasantries only ("Thanks a lot!") is what the customer said
    return _join(lines[start:]) or kept


def _closing_at(lines: list[str]) -> int | None:
    """Where a closing line stands among the last lines (the signature follows it), or None."""
    for position in range(len(lines) - 1, max(-1, len(lines) - SIGNATURE_LINES - 2), -1):
        if lines[position] and CLOSING.match(lines[position]):
            return position
    return None


def _join(lines: list[str]) -> str:
    return BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def _cut_at(lines: list[str], starts_tail) -> list[str]:
    for position, line in enumerate(lines):
        if position > 0 and starts_tail(line):
            return lines[:position]
    return lines
