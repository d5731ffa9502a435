"""``python -m lambda_perms``: the ``lambda-perms`` command."""

from lambda_perms.cli import main

raise SystemExit(main())
