"""The deployer room's moto fixtures (a zone and certificate made through moto's APIs, settings)."""

from tests.deployer.conftest import (  # noqa: F401  (fixtures)
    moto_like_cloudformation,
    settings,
    zone_and_certificate,
)
