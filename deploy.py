"""Put the flask.com site on ECS Fargate: `python3 deploy.py --help`.

Runs under any python3: without the project's dependencies it re-runs itself in .venv
(fargate_deploy/invocation.py), so keep this file free of imports beyond the standard library.
"""

import sys

from fargate_deploy.invocation import launch

if __name__ == "__main__":
    raise SystemExit(launch(sys.argv))
