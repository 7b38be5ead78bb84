"""Put the flask.com site on ECS Fargate: `python deploy.py --help`."""

from fargate_deploy.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
