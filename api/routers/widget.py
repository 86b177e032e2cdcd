"""The help-page search widget (``GET /widget.js``) and the demo shop's help centre that uses it (``GET /demo``).

The demo page embeds the demo tenant's ``search`` key (from ``KB_DEMO_KEYS_FILE``, written by
``python -m api.admin demo-keys``): a key with only the search scope is what a public page may hold.
It is served with a strict Content-Security-Policy: scripts from this origin only, no inline script.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from string import Template
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response
from fastapi.responses import HTMLResponse

from api.assets import StaticAssets
from api.deps import AnswerServiceDep
from kb.models import Language

router = APIRouter(tags=["widget"], include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"
DEMO_PAGE = Template((STATIC / "demo.html").read_text(encoding="utf-8"))
# the widget is embedded in other sites: its files may be loaded cross-origin
ASSETS = StaticAssets(STATIC, ("widget.js", "demo.js", "demo.css"),
                      {"X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "cross-origin"})
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "zh": "中文", "lt": "Lietuvių"}
DEMO_TEXT = {
    "en": {"title": "Brightcart Help Centre", "language": "Language",
           "intro": "Search our help articles — or ask us in the contact form below.",
           "contact": "Contact us", "contact_intro": "Tell us what it is about: we suggest articles as you type.",
           "email": "Your e-mail", "message": "Message", "send": "Send",
           "sent": "Thank you! (This is a demo: nothing was sent.)"},
    "ja": {"title": "Brightcart ヘルプセンター", "language": "言語",
           "intro": "ヘルプ記事を検索できます。下のお問い合わせフォームからもご質問いただけます。",
           "contact": "お問い合わせ", "contact_intro": "件名を入力すると、関連する記事をご案内します。",
           "email": "メールアドレス", "message": "お問い合わせ内容", "send": "送信",
           "sent": "ありがとうございます。（デモのため送信されていません）"},
    "zh": {"title": "Brightcart 帮助中心", "language": "语言",
           "intro": "搜索帮助文章，或通过下方的联系表单向我们提问。",
           "contact": "联系我们", "contact_intro": "请输入主题，我们会在您输入时推荐相关文章。",
           "email": "您的电子邮箱", "message": "留言", "send": "发送",
           "sent": "谢谢！（这是演示页面，内容未发送。）"},
    "lt": {"title": "Brightcart pagalbos centras", "language": "Kalba",
           "intro": "Ieškokite pagalbos straipsniuose arba paklauskite mūsų per kontaktų formą žemiau.",
           "contact": "Susisiekite su mumis", "contact_intro": "Parašykite temą: rašant pasiūlysime straipsnių.",
           "email": "Jūsų el. paštas", "message": "Žinutė", "send": "Siųsti",
           "sent": "Ačiū! (Tai demonstracija: niekas neišsiųsta.)"},
}


@router.get("/widget.js")
def widget_js(if_none_match: Annotated[str | None, Header()] = None,
              accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    """The widget script: gzipped when the browser accepts it, cacheable for an hour, revalidated by its ETag."""
    return ASSETS.response("widget.js", if_none_match, accept_encoding)


@router.get("/demo.js")
def demo_js(if_none_match: Annotated[str | None, Header()] = None,
            accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    return ASSETS.response("demo.js", if_none_match, accept_encoding)


@router.get("/demo.css")
def demo_css(if_none_match: Annotated[str | None, Header()] = None,
             accept_encoding: Annotated[str | None, Header()] = None) -> Response:
    return ASSETS.response("demo.css", if_none_match, accept_encoding)


@router.get("/demo", response_class=HTMLResponse)
def demo_page(services: AnswerServiceDep, lang: Annotated[Language, Query()] = Language.EN) -> HTMLResponse:
    """The demo shop's help centre in ``lang``: the search widget, and a contact form with suggestions."""
    key = _demo_search_key(services.settings.demo_keys_file)
    links = " ".join(f'<a href="/demo?lang={code}" lang="{code}"{" aria-current=page" if code == lang.value else ""}>'
                     f"{escape(name)}</a>" for code, name in LANGUAGE_NAMES.items())
    text = {name: escape(value) for name, value in DEMO_TEXT[lang.value].items()}
    page = DEMO_PAGE.substitute(text, lang=lang.value, key=escape(key), languages=links)
    return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


def _demo_search_key(path: Path) -> str:
    """The demo tenant's search key; 404 until ``python -m api.admin demo-keys`` has written it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["search"]
    except (OSError, ValueError, KeyError, TypeError):
        raise HTTPException(status_code=404, detail=f"no demo keys in {path}: run `python -m api.admin demo-keys` "
                                                    "(make serve does)") from None
