"""init's fixtures (AWS-shaped zone ids in the test process's moto, a DNS server on 127.0.0.1), and
the Secret model moto lacks, which the deployer's tests register too."""

import tests.templates.moto_secret  # noqa: F401
from tests.init.test_init import aws_shaped_zone_ids, dns  # noqa: F401  (fixtures)
