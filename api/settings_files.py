"""Connector settings from a YAML or JSON file, for the command line: secrets may come from environment variables
instead (so they never sit in a file), and the file is checked by the HTTP API's own model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def read_settings(path: Path, model: type[Model], from_env: dict[str, str | None]) -> Model:
    """The settings in ``path``, with the fields of ``from_env`` (a dotted field → the option naming an environment
    variable, e.g. ``{"imap.password": "SUPPORT_PASSWORD"}``) read from the environment.

    Raises:
        ValueError: the file is not a YAML/JSON mapping, a variable is not set, or a field is invalid (each named).
    """
    try:
        fields = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not YAML or JSON: {error}") from None
    if not isinstance(fields, dict):
        raise ValueError(f"{path} must hold a mapping of the settings")
    for dotted, variable in from_env.items():
        if not variable:
            continue
        if variable not in os.environ:
            raise ValueError(f"--{dotted.replace('.', '-').replace('_', '-')}-env: the environment has no {variable}")
        *parents, name = dotted.split(".")
        target = fields
        for parent in parents:
            target = target.setdefault(parent, {})
        target[name] = os.environ[variable]
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise ValueError("; ".join(f"{'.'.join(str(part) for part in problem['loc'])}: "
                                   f"{problem['msg'].removeprefix('Value error, ')}"
                                   for problem in error.errors())) from None
