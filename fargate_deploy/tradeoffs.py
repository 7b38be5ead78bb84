"""What a setting gives up besides money, one line each, so `check` and `plan` say it before a deploy.

Pure: settings in, lines out.
"""

from __future__ import annotations

from .settings import Settings

EXEC_CONSIDERATIONS = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-considerations"
)


def tradeoffs(settings: Settings) -> list[str]:
    lines = []
    if settings.enable_exec:
        lines.append(
            "enable_exec = true: the container's root filesystem is writable while exec is on, because "
            "ECS Exec's agent writes into the container and AWS supports no read-only root with it "
            f"({EXEC_CONSIDERATIONS}); the app still runs as uid 10001, which owns nothing in the image "
            "and can write only its temporary directories, but exec sessions run as root"
        )
    return lines
