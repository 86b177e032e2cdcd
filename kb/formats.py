"""Reply formats: a reply written in Markdown, delivered as Markdown, HTML or plain text.

Article texts and the composer's letters are Markdown (``**bold**``, numbered steps, ``›`` menu paths,
sometimes links or inline code). Ticket editors take HTML; SMS and chat take plain text. Both are
produced from markdown-it-py's token stream of the reply, so nesting and backslash escapes are read the
way a Markdown reader reads them, never guessed by pattern. The stream is walked flat, without recursion:
a few thousand asterisks nest emphasis a few thousand deep.

HTML: CommonMark, raw HTML off (every tag in an article or in the customer's quoted words arrives
escaped), a line break inside a paragraph kept as ``<br>`` (signature lines), links and images only to
http, https and mailto addresses (anything else stays literal text).

Plain text: see :func:`render` for what is kept and the rule for spaces next to CJK text.

One reading differs from plain CommonMark: CJK text has no spaces between words, so a run of ``*`` or
``_`` with a CJK character (or CJK punctuation) just outside it may also open or close emphasis:
``**「設定」**を開く`` is bold, as its author meant, where CommonMark leaves the asterisks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from markdown_it import MarkdownIt
from markdown_it.rules_inline import emphasis
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token

from kb.segments import CJK_OR_FULL_WIDTH

# The only address schemes a reply may link to.
LINK_SCHEMES = ("http:", "https:", "mailto:")
# Stands where the plain text lost a Markdown marker, until the spaces around it are settled. The parser turns
# NUL into U+FFFD, so no text from the source contains it.
MARKER = "\x00"
SPACES = re.compile(r"[ \t]+")
# Line ends as markdown-it reads them (its line numbers count these only).
LINE_BREAK = re.compile(r"\r\n?|\n")
# What a plain-text bullet looks like, whichever of "-", "*" or "+" the source used.
BULLET = "- "
# Blockquote lines look like this in plain text, as in a quoted mail.
QUOTE_PREFIX = "> "
CODE_INDENT = "    "
THEMATIC_BREAK = "---"
CONTAINER_OPENS = {"bullet_list_open", "ordered_list_open", "list_item_open", "blockquote_open"}
CONTAINER_CLOSES = {"bullet_list_close", "ordered_list_close", "list_item_close", "blockquote_close"}
# Blocks whose text is rendered whole: paragraphs and headings are their inline token.
LEAF_BLOCKS = {"inline", "code_block", "fence", "hr"}
EMPHASIS = {"strong_open", "strong_close", "em_open", "em_close"}


class ReplyFormat(str, Enum):
    """The form a caller wants the reply in."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


def render(markdown: str, reply_format: ReplyFormat) -> str:
    """Render a Markdown reply in the requested format.

    MARKDOWN returns the text unchanged; HTML returns an HTML fragment (see the module docstring).

    TEXT returns plain text with no Markdown markers: emphasis and inline-code markers go (``snake_case``,
    ``5 * 3`` and escaped ``\\*`` are not markers and stay), ``[text](url)`` becomes ``text (url)`` (just
    ``url`` when the text is the address), headings lose their ``#``, numbered list items keep their number
    as written (``1.``, ``2)``), bullets become ``- ``, nested content is indented under its marker, a
    blockquote's lines start with ``> ``, blank lines between blocks are kept where the source had them.

    CJK spacing: where a marker was removed, a run of spaces touching it goes when the nearest character
    past the spaces (away from that marker, past any further removed markers) is CJK or full-width:
    ``请点击 **设置** 然后`` gives ``请点击设置然后`` and ``点击 **Settings** 按钮`` gives ``点击Settings按钮``
    (no space between CJK and a Latin word, as in the UI strings we generate), while ``Open **Settings** now``
    and ``Open **设置** now`` keep their spaces (their far side is Latin). Every other space is kept as
    written (``链接 60 分钟`` keeps both). A link's opening ``[`` counts as a removed marker; the spaces after
    a link do not, nor the spaces around a bare address, which must stay apart from the text next to it.

    Args:
        markdown: the reply as Markdown.
        reply_format: the wanted format (a ``ReplyFormat`` or its value).

    Returns:
        The reply in that format.
    """
    reply_format = ReplyFormat(reply_format)
    if reply_format is ReplyFormat.MARKDOWN:
        return markdown
    tokens = _PARSER.parse(markdown)
    if reply_format is ReplyFormat.HTML:
        return _PARSER.renderer.render(tokens, _PARSER.options, {})
    return _plain_text(markdown, tokens)


def _is_cjk(character: str) -> bool:
    return bool(character) and bool(CJK_OR_FULL_WIDTH.match(character))


def _allowed_link(url: str) -> bool:
    """markdown-it's own check only refuses javascript:, vbscript:, file: and most data: addresses."""
    return url.strip().lower().startswith(LINK_SCHEMES)


def _emphasis_next_to_cjk(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, and a CJK character just outside a run lets it open or close.

    Args:
        state: the inline parser's state, at a ``*`` or ``_``.
        silent: only check (the emphasis rule never matches then).

    Returns:
        Whether a delimiter run was read.
    """
    start, first_new = state.pos, len(state.delimiters)
    if not emphasis.tokenize(state, silent):
        return False
    before = state.src[start - 1] if start > 0 else ""
    after = state.src[state.pos] if state.pos < state.posMax else ""
    opens = _is_cjk(before) and bool(after) and not after.isspace()
    closes = _is_cjk(after) and bool(before) and not before.isspace()
    for delimiter in state.delimiters[first_new:]:
        delimiter.open = delimiter.open or opens
        delimiter.close = delimiter.close or closes
    return True


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True, "xhtmlOut": False})
    parser.validateLink = _allowed_link
    parser.inline.ruler.at("emphasis", _emphasis_next_to_cjk)
    return parser


_PARSER = _parser()


@dataclass
class _Container:
    """A block that holds blocks (the document, a list, a list item, a quote), its children as rendered."""

    start_line: int
    marker: str = ""
    quoted: bool = False
    children: list[tuple[int, str]] = field(default_factory=list)

    def text(self, lines: list[str]) -> str:
        """The children, a blank line between two where the source had one, under the marker or quoted.

        Args:
            lines: the source's lines (markdown-it's line numbers index them).

        Returns:
            The container's plain text.
        """
        parts: list[str] = []
        for start_line, text in self.children:
            if parts:
                blank_before = start_line > 0 and not lines[start_line - 1].strip(" \t>")
                parts.append("\n\n" if blank_before else "\n")
            parts.append(text)
        body = "".join(parts)
        if self.quoted:
            return "\n".join((QUOTE_PREFIX + line).rstrip() for line in body.split("\n"))
        return _hang(self.marker, body) if self.marker else body


def _plain_text(source: str, tokens: list[Token]) -> str:
    """Walk the block tokens, rendering each leaf into the container it is in.

    Args:
        source: the Markdown the tokens were parsed from.
        tokens: markdown-it's block tokens for it.

    Returns:
        The plain text (see :func:`render`).
    """
    lines = LINE_BREAK.split(source)
    open_containers = [_Container(0)]
    for token in tokens:
        start_line = token.map[0] if token.map else 0
        if token.type in CONTAINER_OPENS:
            marker = ""
            if token.type == "list_item_open":
                marker = f"{token.info}{token.markup} " if token.info else BULLET
            open_containers.append(_Container(start_line, marker, token.type == "blockquote_open"))
        elif token.type in CONTAINER_CLOSES:
            closed = open_containers.pop()
            open_containers[-1].children.append((closed.start_line, closed.text(lines)))
        elif token.type in LEAF_BLOCKS:
            open_containers[-1].children.append((start_line, _leaf(token)))
    return open_containers[0].text(lines)


def _leaf(token: Token) -> str:
    """A paragraph's or heading's text (its inline token), a code block, a fence or a thematic break."""
    if token.type == "code_block":
        return "\n".join(CODE_INDENT + line if line else "" for line in token.content.rstrip("\n").split("\n"))
    if token.type == "fence":
        return token.content.rstrip("\n")
    if token.type == "hr":
        return THEMATIC_BREAK
    return _settle_spaces(_inline(token.children or []))


def _hang(marker: str, body: str) -> str:
    """The marker before the first line, the other lines indented under the text after it."""
    first, *rest = body.split("\n")
    indent = " " * len(marker)
    return "\n".join([(marker + first).rstrip()] + [indent + line if line else "" for line in rest])


def _inline(tokens: list[Token]) -> str:
    """Inline tokens as text, ``MARKER`` where a marker was removed (see :func:`_settle_spaces`)."""
    parts: list[str] = []
    link_starts: list[tuple[int, str]] = []
    for token in tokens:
        if token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.type == "code_inline":
            parts.append(MARKER + token.content + MARKER)
        elif token.type in EMPHASIS:
            parts.append(MARKER)
        elif token.type == "link_open":
            link_starts.append((len(parts), str(token.attrs["href"])))
        elif token.type == "link_close":
            start, address = link_starts.pop()
            label = "".join(parts[start:])
            del parts[start:]
            parts.append(_link(label, address))
        elif token.type == "image":
            parts.append(_link(token.content, str(token.attrs["src"])))
        else:
            parts.append(token.content)
    return "".join(parts)


def _link(label: str, address: str) -> str:
    """``label (address)``, or the address alone when the label is empty or the address itself."""
    shown = address.removeprefix("mailto:")
    if label.replace(MARKER, "").strip() in ("", shown, _PARSER.normalizeLinkText(shown)):
        return shown
    return f"{MARKER}{label} ({shown})"


def _settle_spaces(text: str) -> str:
    """Drop the spaces that only separated a CJK character from a removed marker, then the markers.

    Args:
        text: inline text with ``MARKER`` where markers were.

    Returns:
        The text without markers.
    """
    def keep_or_drop(match: re.Match) -> str:
        start, end = match.span()
        if text[end:end + 1] == MARKER and _is_cjk(_past_markers(text, start - 1, -1)):
            return ""
        if text[start - 1:start] == MARKER and _is_cjk(_past_markers(text, end, 1)):
            return ""
        return match.group()

    return SPACES.sub(keep_or_drop, text).replace(MARKER, "")


def _past_markers(text: str, index: int, step: int) -> str:
    """The first character from ``index`` on, moving by ``step``, that is not a ``MARKER`` ('' past an end)."""
    while 0 <= index < len(text) and text[index] == MARKER:
        index += step
    return text[index] if 0 <= index < len(text) else ""
