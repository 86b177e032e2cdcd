"""The answer pipeline: one walk of a message, shared by every boundary (HTTP routes, the evaluations,
the coming mailbox and help-desk connectors). Plain Python: no FastAPI, no response schemas.

read (the customer's own words, their language, segments) → retrieve (per searched text, with a
calibrated confidence) → concerns → situation → compose (one reply for the channel) → the answer log.
A boundary maps its payload to a :class:`Message` and the returned :class:`Answer` to its own form.
"""

from api.pipeline.answering import answer, preview
from api.pipeline.models import Answer, ArticleMatch, ConcernAnswer, Message, Reading, SearchResult, SearchResults
from api.pipeline.searching import search
from api.pipeline.steps import read

__all__ = ["Answer", "ArticleMatch", "ConcernAnswer", "Message", "Reading", "SearchResult", "SearchResults",
           "answer", "preview", "read", "search"]
