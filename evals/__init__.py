"""Quality evaluations printed by ``make eval``: retrieval, language and situations (``python -m evals``), whole emails
(``python -m evals.emails``) and whether replies are true (``python -m evals.replies``)."""
