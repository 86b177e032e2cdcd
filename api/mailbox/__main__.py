"""``python -m api.mailbox [--once]``: the mailbox worker (``kb-answers mailbox worker``)."""

import sys

from api.mailbox.cli import main

sys.exit(main(["worker", *sys.argv[1:]]))
