"""Quality evaluations printed by ``make eval`` (``python -m indexer.evals``)."""
