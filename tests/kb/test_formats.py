"""Reply formats (kb.formats): Markdown unchanged, safe HTML, plain text without markers, CJK spacing."""

from __future__ import annotations

import re
from html import escape

import pytest

from kb.formats import ReplyFormat, render
from kb.segments import CJK_OR_FULL_WIDTH

TEXT, MARKDOWN, HTML = ReplyFormat.TEXT, ReplyFormat.MARKDOWN, ReplyFormat.HTML
CJK = CJK_OR_FULL_WIDTH.pattern
# Every tag the HTML renderer itself writes for CommonMark; anything else came from the source.
RENDERER_TAGS = {"p", "br", "strong", "em", "code", "pre", "a", "img", "ol", "ul", "li", "blockquote", "hr",
                 "h1", "h2", "h3", "h4", "h5", "h6"}

LETTER = """Hello Anna,

Thanks for getting in touch.

**How do I reset my password?**

1. On the sign-in page, select **Forgot password?**.
2. Enter your email address.
3. Open the link we send you.

Best regards,
The Brightcart Support Team"""


def tags(html: str) -> set[str]:
    return {name.lower() for name in re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", html)}


@pytest.mark.parametrize("source, expected", [
    ("请点击 **设置** 然后", "请点击设置然后"),
    ("「**設定**」を開く", "「設定」を開く"),
    ("**「設定」**を開く", "「設定」を開く"),
    ("Open **Settings** now", "Open Settings now"),
    ("点击 **Settings** 按钮", "点击Settings按钮"),
    ("Open **设置** now", "Open 设置 now"),
    ("在 __设置__ 中", "在设置中"),
    ("**小提示：** 工作日", "小提示：工作日"),
    ("链接 60 分钟内有效，点击 *重置* 即可", "链接 60 分钟内有效，点击重置即可"),
    ("请运行 `make` 命令", "请运行make命令"),
    ("请访问 [帮助中心](https://example.com/help) 了解", "请访问帮助中心 (https://example.com/help) 了解"),
    ("Atidarykite **Mano paskyra › Užsakymai** skiltį", "Atidarykite Mano paskyra › Užsakymai skiltį"),
])
def test_text_removes_markers_and_only_the_spaces_that_touched_them_beside_cjk(source, expected):
    assert render(source, TEXT) == expected


@pytest.mark.parametrize("source, expected", [
    ("**bold** and __bold__ and *em* and _em_", "bold and bold and em and em"),
    ("keep snake_case_names, a lone 5 * 3 and 2 * 4", "keep snake_case_names, a lone 5 * 3 and 2 * 4"),
    (r"an escaped \*star\* stays", "an escaped *star* stays"),
    ("run `pip install kb` first", "run pip install kb first"),
    ("see [the guide](https://example.com/guide)", "see the guide (https://example.com/guide)"),
    ("see [https://example.com](https://example.com)", "see https://example.com"),
    ("see <https://example.com> or <help@example.com>", "see https://example.com or help@example.com"),
    ("write to [us](mailto:help@example.com)", "write to us (help@example.com)"),
    ("# Returns\n\n## Step one\n\nText", "Returns\n\nStep one\n\nText"),
    ("- one\n* two\n+ three", "- one\n- two\n- three"),
    ("1. one\n2. two\n\n7) seven", "1. one\n2. two\n\n7) seven"),
    ("1. first\n   - nested **bold**\n2. second", "1. first\n   - nested bold\n2. second"),
    ("**No email?**\n- Check spam.\n\nStill nothing?", "No email?\n- Check spam.\n\nStill nothing?"),
    ("> quoted **words**\n>\n> more", "> quoted words\n>\n> more"),
])
def test_text_has_no_markdown_markers(source, expected):
    assert render(source, TEXT) == expected


def test_markdown_is_returned_unchanged():
    assert render(LETTER, MARKDOWN) == LETTER
    assert render("<script>x</script> **a**", "markdown") == "<script>x</script> **a**"


@pytest.mark.parametrize("source, raw", [
    ("<script>alert(1)</script>", "<script>"),
    ('<b onmouseover="alert(1)">hover</b>', "<b onmouseover"),
    ("A customer wrote:\n\n> <img src=x onerror=alert(1)>", "<img src=x"),
    ("<div>\nblock\n</div>", "<div>"),
])
def test_html_escapes_every_tag_from_the_source(source, raw):
    html = render(source, HTML)
    assert raw not in html
    assert escape(raw) in html
    assert tags(html) <= RENDERER_TAGS


@pytest.mark.parametrize("address", [
    "javascript:alert(1)", "JavaScript:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd", "ftp://example.com/x", "/relative/path",
])
def test_html_makes_links_only_to_http_https_and_mailto(address):
    for source in (f"[click]({address})", f"<{address}>", f"![img]({address})", f"[click][r]\n\n[r]: {address}"):
        html = render(source, HTML)
        assert "<a " not in html and "<img" not in html, source


def test_html_keeps_http_https_and_mailto_links():
    html = render("[a](http://example.com) [b](https://example.com/x?y=1&z=2) [c](mailto:help@example.com)", HTML)
    assert '<a href="http://example.com">a</a>' in html
    assert '<a href="https://example.com/x?y=1&amp;z=2">b</a>' in html
    assert '<a href="mailto:help@example.com">c</a>' in html


def test_html_is_a_fragment_with_strong_lists_and_cjk_emphasis():
    html = render(LETTER + "\n\n**「設定」**を開く", HTML)
    assert "<html" not in html and "<body" not in html
    assert "<p><strong>How do I reset my password?</strong></p>" in html
    assert "<strong>「設定」</strong>を開く" in html
    assert tags(html) <= RENDERER_TAGS


def test_a_letters_signature_lines_stay_on_separate_lines():
    assert render(LETTER, TEXT).endswith("Best regards,\nThe Brightcart Support Team")
    assert "<p>Best regards,<br>\nThe Brightcart Support Team</p>" in render(LETTER, HTML)


def test_numbered_steps_survive_in_every_format():
    steps = ["1. On the sign-in page, select Forgot password?.", "2. Enter your email address.",
             "3. Open the link we send you."]
    assert "\n".join(steps) in render(LETTER, TEXT)
    html = render(LETTER, HTML)
    assert html.count("<li>") == 3 and "<ol>" in html and "<strong>Forgot password?</strong>" in html
    assert "1. On the sign-in page, select **Forgot password?**." in render(LETTER, MARKDOWN)
    assert '<ol start="4">' in render("4. Fourth\n5. Fifth", HTML)


@pytest.mark.parametrize("plain", [
    "Hello Anna,\n\nYour order BC-123456 left our warehouse today.\nTrack it at https://example.com/track.\n\n"
    "1. Open the app.\n2. Select Orders.\n\nBest regards,\nThe Brightcart Support Team",
    "您好！\n\n链接 60 分钟内有效。请查看 snake_case 和 5 * 3。\n\n祝您一切顺利！\nBrightcart 客服团队",
    "山田様\n\nお問い合わせありがとうございます。\n\nBrightcart カスタマーサポート",
    "Sveiki,\n\n- pirmas žingsnis\n- antras žingsnis\n\nPagarbiai,\nBrightcart   \n",
])
def test_plain_text_without_markdown_comes_back_unchanged(plain):
    assert render(plain, TEXT) == plain.rstrip()
    assert render(render(plain, TEXT), TEXT) == plain.rstrip()


def test_a_format_may_be_given_by_its_value():
    assert render("**a**", "text") == "a"
    with pytest.raises(ValueError):
        render("a", "pdf")


def marker_neighbours(source: str) -> list[str]:
    """The pairs of characters a removed marker (with spaces) separated where one side is CJK."""
    opening = re.findall(rf"({CJK})[ \t]*(?:\*\*|__|`)(?=\S)([^*_`\s])", source)
    closing = re.findall(rf"([^*_`\s])(?:\*\*|__|`)[ \t]*({CJK})", source)
    return [first + second for first, second in opening + closing]


def test_every_demo_article_renders_without_markers_or_raw_tags(demo_articles):
    checked = 0
    for article in demo_articles.values():
        for variant in article.variants.values():
            for field in ("summary", "body"):
                source = getattr(variant, field)
                text, html = render(source, TEXT), render(source, HTML)
                where = (article.id, variant.language.value, field)
                assert not any(marker in text for marker in ("**", "__", "`")), where
                for pair in marker_neighbours(source):
                    assert pair in text, (where, pair)
                    checked += 1
                assert tags(html) <= RENDERER_TAGS, where
                assert "<" not in re.sub(r"</?[a-z0-9]+( [^<>]*)?>", "", html), where
    assert checked > 50


def test_thousands_of_nested_markers_render_without_recursion():
    source = "*" * 6000 + "x" + "*" * 6000
    assert render(source, TEXT) == "x"
    assert render(source, HTML).count("<strong>") > 1000


def test_windows_line_ends_keep_the_blank_lines_between_blocks():
    assert render("Hello,\r\n\r\n1. one\r\n2. two\r\n\r\nBye,\r\nAnna", TEXT) == "Hello,\n\n1. one\n2. two\n\nBye,\nAnna"
