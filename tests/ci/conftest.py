"""The deployer room's moto fixtures (a zone and certificate made through moto's APIs, settings), and
the recorder of every request the Aws clients send."""

from tests.ci.test_role_covers_the_calls import recorder  # noqa: F401  (fixture)
from tests.deployer.conftest import (  # noqa: F401  (fixtures)
    moto_like_cloudformation,
    settings,
    zone_and_certificate,
)
