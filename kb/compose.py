"""Shape an article's answer for the channel the customer used.

* ``help_page`` / ``contact_form``: the article summary alone, no phrases around it;
* ``chat`` / ``chatbot``: one acknowledgement, the summary, one closing question;
* ``email`` / ``ticket``: greeting, acknowledgement, summary and the full steps,
  closing, signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.models import ArticleVariant, Channel, Language

PHRASES: dict[Language, dict[str, str]] = {
    Language.EN: {
        "greeting": "Hello {name},",
        "greeting_anonymous": "Hello,",
        "acknowledge": "Thank you for your question — here is what you need to know.",
        "closing_chat": "Is there anything else I can help you with?",
        "closing_letter": "If anything is still unclear or there is something else we can do for you, just reply to this message.",
        "signature": "Best regards,\nBrightcart Customer Support",
        "no_answer": "Good question — let me check that with our team so you get the right answer.",
    },
    Language.JA: {
        "greeting": "{name}様",
        "greeting_anonymous": "お客様",
        "acknowledge": "お問い合わせいただき、ありがとうございます。",
        "closing_chat": "ほかにご不明な点はございますか？",
        "closing_letter": "ほかにご不明な点やお困りのことがございましたら、お気軽にこのメールへご返信ください。",
        "signature": "今後ともよろしくお願いいたします。\nBrightcart カスタマーサポート",
        "no_answer": "お問い合わせありがとうございます。正確にお答えできるよう、担当チームに確認いたします。",
    },
    Language.ZH: {
        "greeting": "{name}，您好：",
        "greeting_anonymous": "您好：",
        "acknowledge": "感谢您的咨询，以下是相关说明。",
        "closing_chat": "请问还有什么可以帮您的吗？",
        "closing_letter": "如果还有不清楚的地方或其他需要，欢迎直接回复此邮件。",
        "signature": "祝好！\nBrightcart 客户服务团队",
        "no_answer": "这个问题问得好，我们会向相关团队确认，以便给您准确的答复。",
    },
    Language.LT: {
        "greeting": "Sveiki, {name},",
        "greeting_anonymous": "Sveiki,",
        "acknowledge": "Dėkojame už Jūsų klausimą – štai ką verta žinoti.",
        "closing_chat": "Ar galiu Jums dar kuo nors padėti?",
        "closing_letter": "Jei kas nors liko neaišku ar galime padėti dar kuo nors, tiesiog atsakykite į šį laišką.",
        "signature": "Pagarbiai\nBrightcart klientų aptarnavimo komanda",
        "no_answer": "Geras klausimas – pasitikslinsime su komanda, kad gautumėte tikslų atsakymą.",
    },
}


@dataclass(frozen=True)
class ComposedAnswer:
    """The reply text and its parts, in order (empty parts left out of ``text``)."""

    text: str
    parts: dict[str, str]


def compose_answer(variant: ArticleVariant | None, channel: Channel, language: Language,
                   customer_name: str | None = None) -> ComposedAnswer:
    """Compose the reply for a channel.

    Args:
        variant: the article variant that answers the question, or None when
            there is no confident answer.
        channel: where the customer asked.
        language: the answer language (the variant's language when there is one).
        customer_name: used in the email/ticket greeting when given.

    Returns:
        The composed answer.
    """
    phrases = PHRASES[language]
    style = channel.style
    if style == "terse":
        return _join({"solution": variant.summary if variant else ""})
    if variant is None:
        parts = {"acknowledgement": phrases["no_answer"]}
    elif style == "chat":
        parts = {"acknowledgement": phrases["acknowledge"], "solution": variant.summary,
                 "closing": phrases["closing_chat"]}
    else:
        parts = {"acknowledgement": phrases["acknowledge"],
                 "solution": variant.summary + "\n\n" + variant.body,
                 "closing": phrases["closing_letter"]}
    if style == "letter":
        name = (customer_name or "").strip()
        greeting = phrases["greeting"].format(name=name) if name else phrases["greeting_anonymous"]
        parts = {"greeting": greeting, **parts, "signature": phrases["signature"]}
    return _join(parts)


def _join(parts: dict[str, str]) -> ComposedAnswer:
    return ComposedAnswer(text="\n\n".join(part for part in parts.values() if part), parts=parts)
