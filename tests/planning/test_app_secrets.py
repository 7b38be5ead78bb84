"""The secrets bundle, pure: names, versions, size, and that a value never shows in a repr or an error."""

from __future__ import annotations

import pytest

from fargate_deploy import app_secrets
from fargate_deploy.app_secrets import Secret, SecretError

NOW = "2026-12-02T08:00:00Z"


def test_set_then_set_again_counts_that_name_s_versions():
    first = app_secrets.with_secret({}, "API_TOKEN", "a", NOW)
    second = app_secrets.with_secret(first, "API_TOKEN", "b", "2026-12-03T08:00:00Z")
    third = app_secrets.with_secret(second, "MAIL_PASSWORD", "c", NOW)
    assert [(s.name, s.version, s.changed) for s in third.values()] == [
        ("API_TOKEN", 2, "2026-12-03T08:00:00Z"),
        ("MAIL_PASSWORD", 1, NOW),
    ]
    assert app_secrets.decode(app_secrets.encode(third)) == third


def test_the_bundle_is_what_the_container_reads():
    text = app_secrets.encode({"A": Secret("A", "v", 1, NOW)})
    assert text == '{"format":1,"secrets":{"A":{"value":"v","version":1,"changed":"2026-12-02T08:00:00Z"}}}'


def test_a_value_never_shows_in_a_repr():
    assert "s3cr3t" not in repr(Secret("A", "s3cr3t", 1, NOW))


def test_remove_needs_an_existing_name():
    with pytest.raises(SecretError, match="there is no secret B"):
        app_secrets.without_secret({"A": Secret("A", "v", 1, NOW)}, "B")


def test_a_foreign_parameter_is_refused_without_quoting_it():
    with pytest.raises(SecretError) as refused:
        app_secrets.decode('{"not": "ours-s3cr3t"}')
    assert "s3cr3t" not in str(refused.value) and "not a bundle of format 1" in str(refused.value)


def test_the_parameter_is_named_after_the_service_stack():
    assert app_secrets.parameter_name("flaskcom-prod-www") == "/flaskcom-prod-www/secrets"


@pytest.mark.parametrize("value", ["", "a\0b"])
def test_an_empty_or_nul_value_is_refused(value):
    with pytest.raises(SecretError):
        app_secrets.with_secret({}, "A", value, NOW)
