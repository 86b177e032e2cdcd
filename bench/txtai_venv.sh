#!/usr/bin/env bash
# Create the txtai peer-benchmark virtualenv at build/bench/txtai-venv (idempotent).
# torch is installed first and pinned: 2.13.0 is the local CPU build; any other
# version pulls multi-GB CUDA wheels. The other pins match the main project.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/build/bench/txtai-venv"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
TXTAI_VERSION="9.14.0"
PINS=(
    "torch==2.13.0"
    "txtai==$TXTAI_VERSION"
    "sentence-transformers==6.2.0"
    "transformers==5.23.0"
    "faiss-cpu==1.15.1"
    "numpy==2.4.6"
)
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" - "$TXTAI_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(version("txtai") != sys.argv[1])
PY
then
    echo "txtai $TXTAI_VERSION already installed in $VENV"
    exit 0
fi

if [[ ! -x "$PYTHON" ]]; then
    echo "error: $PYTHON not found; run 'make install' first or set PYTHON" >&2
    exit 1
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
fi
echo "installing ${PINS[0]}"
"$VENV/bin/python" -m pip install --quiet "${PINS[0]}"
echo "installing ${PINS[*]:1}"
"$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
"$VENV/bin/python" -c 'from txtai import Embeddings' # fails loudly if the install is broken
echo "txtai $TXTAI_VERSION ready in $VENV"
