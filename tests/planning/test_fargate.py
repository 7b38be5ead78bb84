import pytest

from fargate_deploy.fargate import describe_valid_memory, is_valid_pair


@pytest.mark.parametrize(
    ("cpu", "memory", "valid"),
    [
        (256, 512, True),
        (256, 2048, True),
        (256, 3072, False),
        (512, 4096, True),
        (1024, 1024, False),
        (2048, 16384, True),
        (4096, 31744, False),
        (8192, 20480, True),
        (8192, 18432, False),
        (16384, 122880, True),
        (300, 1024, False),
    ],
)
def test_fargate_pairs(cpu, memory, valid):
    assert is_valid_pair(cpu, memory) is valid


def test_the_error_text_names_what_would_be_valid():
    assert describe_valid_memory(256) == "cpu 256 takes memory 512, 1024, 2048"
    assert describe_valid_memory(1024) == "cpu 1024 takes memory 2048–8192 in steps of 1024"
    assert describe_valid_memory(300).startswith("cpu must be one of 256, 512, 1024")
