"""Text that cannot be encoded: lone surrogates.

JSON may escape a surrogate code point on its own (``"\\ud800"``), and Python's JSON reader also
lets the raw UTF-8 bytes of one through; neither is Unicode text that a tokenizer, a database or a
reply can hold. Every text that enters the service is checked once, where it enters.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unencodable:
    """Where a value holds text that cannot be encoded as UTF-8.

    ``field`` is the dotted path to the string (``variants.en.questions.2``), ``position`` the
    character's index in it.
    """

    field: str
    position: int
    character: str

    def __str__(self) -> str:
        return (f"character {self.position} is a lone surrogate (U+{ord(self.character):04X}), which is not "
                "Unicode text: send UTF-8 text (a surrogate escape only as part of a complete pair)")


class UnencodableTextError(ValueError):
    """Text that cannot be encoded reached a step that needs it encoded."""

    def __init__(self, problem: Unencodable):
        super().__init__(f"{problem.field}: {problem}")
        self.problem = problem


def find_unencodable(value, field: str = "") -> Unencodable | None:
    """The first string (or mapping key) in ``value`` that cannot be encoded as UTF-8.

    Args:
        value: a string, or lists and mappings of them (as JSON is parsed), at any depth.
        field: the path of ``value`` itself.

    Returns:
        Where the first such text is, or None when all of it is encodable.
    """
    pending = [(field, value)]
    while pending:  # a loop, not recursion: JSON may be nested deeper than Python's stack
        where, item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                return Unencodable(where or "(text)", error.start, item[error.start])
        elif isinstance(item, dict):
            for key, inner in reversed(item.items()):
                pending.append((_joined(where, key), inner))
                pending.append((where, key))
        elif isinstance(item, list | tuple):
            pending.extend((_joined(where, index), inner) for index, inner in reversed(list(enumerate(item))))
    return None


def _joined(where: str, part) -> str:
    part = str(part).encode("utf-8", "backslashreplace").decode("utf-8")  # a key may be the bad text itself
    return f"{where}.{part}" if where else part
