"""``python -m evals.concerns``: fit the concern model of :mod:`indexer.concerns` on the dev and tune emails.

Every message of several segments is read and searched as the service does it; each article that
some searched text votes for is an example, positive when a concern of the message wants that
article. A logistic regression over :meth:`indexer.concerns.Evidence.features` gives the
coefficients (printed; paste them into ``indexer/concerns.py``), with how many right and wrong
articles each threshold keeps. The held-out messages are never read here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from evals.calibrate import fit_logistic
from evals.emails import acceptable, load
from indexer.concerns import SegmentResult, gather_evidence
from indexer.confidence import confidence

TUNING_SPLITS = "dev,tune"


def collect(services, messages: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every article voted for in the messages of several segments."""
    from api import pipeline
    from api.schemas import AnswerRequest

    tenant_kb = services.default
    x, y = [], []
    for message in messages:
        request = AnswerRequest(query=message.get("text") or message["html"], channel="email",
                                format="html" if "html" in message else "text", subject=message.get("subject"))
        reading = pipeline.read(request.to_message(), services.embedder.cost)
        if len(reading.segments) < 2:
            continue
        results = []
        for segment in reading.searched:
            hits = tenant_kb.index.search(segment.text, 3, language=reading.detection.language)
            results.append(SegmentResult(segment, hits, confidence(hits), np.zeros(1)))
        wanted = set().union(*acceptable(message["expected"]))
        for evidence in gather_evidence(results, services.settings.answer_threshold):
            x.append(evidence.features())
            y.append(int(evidence.article_id in wanted))
    return np.array(x), np.array(y)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.concerns", description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=TUNING_SPLITS, help="messages to fit on (default: %(default)s)")
    args = parser.parse_args(argv)
    if "heldout" in args.split:
        parser.error("the held-out messages are for measuring, never for fitting")
    from api.services import load_answer_service
    from api.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        services = load_answer_service(Settings(index_dir=Path(folder) / "index",
                                                store_path=Path(folder) / "store.sqlite3", log_level="WARNING"))
        try:
            x, y = collect(services, load(args.split))
        finally:
            services.close()
    coefficients = fit_logistic(x, y, balanced=False)
    p = 1 / (1 + np.exp(-(coefficients[0] + x @ coefficients[1:])))
    print(f"articles voted for: {len(y)} ({int(y.sum())} wanted, {int((1 - y).sum())} not)")
    print("COEFFICIENTS = (" + ", ".join(f"{c:.2f}" for c in coefficients) + ")")
    print("threshold  wanted kept  unwanted refused")
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        print(f"{threshold:9.1f}  {(p[y == 1] >= threshold).mean():11.3f}  {(p[y == 0] < threshold).mean():16.3f}")
    names = ("noisy-or asking", "subject")
    print("single features, wanted mean / unwanted mean:",
          ", ".join(f"{name} {x[y == 1, i].mean():.2f}/{x[y == 0, i].mean():.2f}" for i, name in enumerate(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
