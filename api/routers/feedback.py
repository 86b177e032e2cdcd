"""POST /v1/feedback: was an answer helpful, did it solve the problem (deflection)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.auth import SearchCaller
from api.deps import AnswerServiceDep
from api.routing import TextCheckedRoute
from api.schemas import ERROR_RESPONSES, FeedbackIn, FeedbackOut
from kb.stores import Feedback

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES, route_class=TextCheckedRoute)


@router.post("/feedback", response_model=FeedbackOut, summary="Feedback on an answer (a later one replaces it)")
def post_feedback(services: AnswerServiceDep, caller: SearchCaller, body: FeedbackIn) -> FeedbackOut:
    services.answer_log.flush()  # the answer may still be on its way to the store
    feedback = Feedback(body.answer_id, body.helpful, body.reason, body.resolved, body.contacted_support)
    if not services.store.answers.put_feedback(caller.tenant, feedback):
        raise HTTPException(status_code=404, detail=f"no answer '{body.answer_id}' (answer_id of a /v1/answer "
                                                    "response of this tenant)")
    return FeedbackOut(answer_id=body.answer_id, recorded=True)
