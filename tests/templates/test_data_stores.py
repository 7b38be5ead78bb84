"""Data stores (issue 16): what each option of the base and service stacks produces, rendered offline,
and checkov with each option turned on (checkov evaluates a template's Conditions with the parameters'
defaults, so a resource behind an option that is off by default is never checked unless its option is
the default: each run below makes it so)."""

from __future__ import annotations

import json

import pytest

from tests.templates.render import BASE, SERVICE, SITE, load, render
from tests.templates.test_static_gates import checkov

DOMAIN = {"DomainName": "example.com"}
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-0a1b2c3d-AbCdEf"
HOST = "app.cluster-c1a2b3.us-east-1.rds.amazonaws.com"
DATABASE = {"DatabaseSecretArn": SECRET, "DatabaseHost": HOST, "DatabasePort": "5432", "DatabaseName": "app"}
DATA_RESOURCES = {
    "DatabaseSubnetGroup", "DatabaseSecurityGroup", "TaskToDatabaseEgress", "DatabaseCluster",
    "DatabaseInstance", "AppTable", "UploadsBucket", "UploadsBucketPolicy",
}  # fmt: skip
DATA_OUTPUTS = {"DatabaseClusterId", "DatabaseSecretArn", "DatabaseHost", "DatabasePort", "DatabaseName"}
DATA_OUTPUTS |= {"TableName", "UploadsBucket"}
# The first Aurora PostgreSQL versions with auto-pause (MinCapacity 0 in their ServerlessV2FeaturesSupport),
# as AWS's launch post names them: 16.3, 15.7, 14.12 and 13.15 "or higher" (AWS Database Blog,
# "Introducing scaling to 0 capacity with Amazon Aurora Serverless v2"; the User Guide's auto-pause page,
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html,
# points to a per-version table that the copy we could read does not hold). The 17 line came later and
# no page we could read lists it: a 17 passes here only as later than all of them, which is an
# inference, not AWS's word; the template says what then fails loudly and the taskcat test that checks.
FIRST_WITH_AUTO_PAUSE = {13: (13, 15), 14: (14, 12), 15: (15, 7), 16: (16, 3)}


def web_container(rendered):
    (container,) = rendered.properties("TaskDefinition")["ContainerDefinitions"]
    return container


def environment(rendered) -> dict:
    return {e["Name"]: e["Value"] for e in web_container(rendered)["Environment"]}


def secrets(rendered) -> dict:
    return {e["Name"]: e["ValueFrom"] for e in web_container(rendered)["Secrets"]}


def statements(policy_document) -> list[dict]:
    return policy_document["Statement"]


# --- base stack --------------------------------------------------------------------------------------


def test_by_default_there_is_no_data_store(base_template):
    base = render(base_template, **DOMAIN)
    assert DATA_RESOURCES.isdisjoint(base.resources)
    assert DATA_OUTPUTS.isdisjoint(base.outputs)


@pytest.mark.parametrize("nat_mode", ["none", "single", "per-az"])
def test_the_database_is_in_the_private_subnets_whatever_the_nat_mode(base_template, nat_mode):
    base = render(base_template, **DOMAIN, NatMode=nat_mode, Database="postgres")
    assert base.properties("DatabaseSubnetGroup")["SubnetIds"] == [
        {"Ref": "PrivateSubnet1"},
        {"Ref": "PrivateSubnet2"},
    ]
    assert base.properties("DatabaseCluster")["DBSubnetGroupName"] == {"Ref": "DatabaseSubnetGroup"}
    assert base.properties("DatabaseInstance")["PubliclyAccessible"] is False


def test_only_the_tasks_security_group_reaches_the_database(base_template):
    base = render(base_template, **DOMAIN, Database="postgres")
    group = base.properties("DatabaseSecurityGroup")
    (ingress,) = group["SecurityGroupIngress"]
    assert ingress["SourceSecurityGroupId"] == {"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}
    assert (ingress["IpProtocol"], ingress["FromPort"], ingress["ToPort"]) == ("tcp", 5432, 5432)
    assert not any("CidrIp" in rule or "CidrIpv6" in rule for rule in group["SecurityGroupIngress"])
    (egress,) = group["SecurityGroupEgress"]
    assert egress["CidrIp"] == "127.0.0.1/32"  # replaces the default allow-all; goes nowhere
    # The tasks' egress lists its ports (443 only): the database's is added, to that group only.
    to_database = base.properties("TaskToDatabaseEgress")
    assert to_database["GroupId"] == {"Fn::GetAtt": ["TaskSecurityGroup", "GroupId"]}
    assert to_database["DestinationSecurityGroupId"] == {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}
    assert (to_database["FromPort"], to_database["ToPort"]) == (5432, 5432)
    assert base.properties("DatabaseCluster")["VpcSecurityGroupIds"] == [
        {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}
    ]


def test_the_database_is_encrypted_protected_backed_up_and_snapshotted_on_delete(base_template):
    base = render(base_template, **DOMAIN, Database="postgres")
    cluster = base.resources["DatabaseCluster"]
    assert (cluster["DeletionPolicy"], cluster["UpdateReplacePolicy"]) == ("Snapshot", "Snapshot")
    properties = cluster["Properties"]
    assert properties["StorageEncrypted"] is True
    assert properties["DeletionProtection"] is True
    assert properties["BackupRetentionPeriod"] == 7
    assert properties["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in properties  # RDS generates it and keeps it in Secrets Manager
    assert properties["Engine"] == "aurora-postgresql"
    assert base.properties("DatabaseInstance")["DBInstanceClass"] == "db.serverless"
    assert base.properties("DatabaseInstance")["DBClusterIdentifier"] == {"Ref": "DatabaseCluster"}


def test_the_engine_version_can_pause_at_zero_capacity(base_template):
    version = render(base_template, **DOMAIN, Database="postgres").properties("DatabaseCluster")[
        "EngineVersion"
    ]
    major, minor = (int(part) for part in version.split("."))
    if major in FIRST_WITH_AUTO_PAUSE:
        assert (major, minor) >= FIRST_WITH_AUTO_PAUSE[major]
    else:  # a later major line than the launch post knew (see FIRST_WITH_AUTO_PAUSE)
        assert major > max(FIRST_WITH_AUTO_PAUSE)


def test_a_minimum_of_zero_pauses_after_the_idle_time_and_a_higher_one_never_does(base_template):
    paused = render(base_template, **DOMAIN, Database="postgres", DatabaseSecondsUntilAutoPause="900")
    scaling = paused.properties("DatabaseCluster")["ServerlessV2ScalingConfiguration"]
    assert paused.value(scaling["MinCapacity"]) == "0"
    assert paused.value(scaling["MaxCapacity"]) == "2"
    assert paused.value(scaling["SecondsUntilAutoPause"]) == "900"
    warm = render(base_template, **DOMAIN, Database="postgres", DatabaseMinCapacity="0.5")
    scaling = warm.properties("DatabaseCluster")["ServerlessV2ScalingConfiguration"]
    assert warm.value(scaling["MinCapacity"]) == "0.5"
    assert "SecondsUntilAutoPause" not in scaling


def test_the_database_outputs_are_not_exported(base_template):
    # deploy.py passes them to the sites as parameters: turning the database on or off never changes
    # an export that a site imports (CloudFormation refuses that).
    base = render(base_template, **DOMAIN, Database="postgres")
    for name in ("DatabaseClusterId", "DatabaseSecretArn", "DatabaseHost", "DatabasePort", "DatabaseName"):
        assert "Export" not in base.outputs[name]
    assert base.outputs["DatabaseSecretArn"]["Value"] == {
        "Fn::GetAtt": ["DatabaseCluster", "MasterUserSecret.SecretArn"]
    }
    assert base.outputs["DatabaseHost"]["Value"] == {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]}


@pytest.mark.parametrize(
    ("sort_key", "expected_keys"),
    [("", [("pk", "HASH")]), ("sk", [("pk", "HASH"), ("sk", "RANGE")])],
    ids=["partition-key-only", "with-sort-key"],
)
def test_the_table_is_on_demand_recoverable_retained_with_the_key_schema_of_the_settings(
    base_template, sort_key, expected_keys
):
    base = render(base_template, **DOMAIN, EnableTable="true", TableSortKey=sort_key, TableSortKeyType="N")
    table = base.resources["AppTable"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    keys = [(base.value(k["AttributeName"]), k["KeyType"]) for k in properties["KeySchema"]]
    assert keys == expected_keys
    types = {
        base.value(a["AttributeName"]): base.value(a["AttributeType"])
        for a in properties["AttributeDefinitions"]
    }
    assert types == ({"pk": "S", "sk": "N"} if sort_key else {"pk": "S"})
    assert base.outputs["TableName"]["Value"] == {"Ref": "AppTable"}


def test_the_uploads_bucket_is_private_encrypted_versioned_and_retained(base_template):
    base = render(base_template, **DOMAIN, EnableUploads="true", UploadsNoncurrentVersionDays="14")
    bucket = base.resources["UploadsBucket"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    properties = bucket["Properties"]
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert base.value(rules["expire-old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"]) == "14"
    assert rules["remove-expired-delete-markers"]["ExpiredObjectDeleteMarker"] is True
    (https_only,) = statements(base.properties("UploadsBucketPolicy")["PolicyDocument"])
    assert https_only["Effect"] == "Deny"
    assert https_only["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- service stack -----------------------------------------------------------------------------------


def test_without_stores_the_task_gets_no_store_variables_and_no_store_permissions(service_template):
    site = render(service_template, **SITE)
    names = set(environment(site)) | set(secrets(site))
    assert names.isdisjoint(
        {
            "PGHOST",
            "PGPORT",
            "PGDATABASE",
            "PGUSER",
            "PGPASSWORD",
            "TABLE_NAME",
            "UPLOADS_BUCKET",
            "DATABASE_SECRET_ARN",
        }
    )
    assert not site.properties("TaskRole").get("Policies")
    sids = {
        s["Sid"]
        for p in site.properties("TaskExecutionRole")["Policies"]
        for s in statements(p["PolicyDocument"])
    }
    assert "ReadTheDatabaseSecret" not in sids


def test_the_database_reaches_the_task_as_libpq_variables_and_its_secret_by_reference(service_template):
    site = render(service_template, **SITE, **DATABASE)
    env = environment(site)
    assert site.value(env["PGHOST"]) == HOST
    assert site.value(env["PGPORT"]) == "5432"
    assert site.value(env["PGDATABASE"]) == "app"
    assert secrets(site)["PGUSER"] == {"Fn::Sub": "${DatabaseSecretArn}:username::"}
    assert secrets(site)["PGPASSWORD"] == {"Fn::Sub": "${DatabaseSecretArn}:password::"}
    assert "PGPASSWORD" not in env
    (policy,) = site.properties("TaskExecutionRole")["Policies"]
    (read,) = [s for s in statements(policy["PolicyDocument"]) if s["Sid"] == "ReadTheDatabaseSecret"]
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert site.value(read["Resource"]) == SECRET  # that secret only
    # The app may read that secret too, to follow a password rotation (models.follow_password_rotation).
    assert site.value(env["DATABASE_SECRET_ARN"]) == SECRET
    (app_policy,) = site.properties("TaskRole")["Policies"]
    (statement,) = statements(app_policy["PolicyDocument"])
    assert (app_policy["PolicyName"], statement["Action"]) == (
        "app-database-secret",
        "secretsmanager:GetSecretValue",
    )
    assert site.value(statement["Resource"]) == SECRET


def test_the_table_is_the_only_one_the_task_role_may_use(service_template):
    site = render(service_template, **SITE, TableName="flaskcom-prod-AppTable-1A2B3C")
    assert site.value(environment(site)["TABLE_NAME"]) == "flaskcom-prod-AppTable-1A2B3C"
    (policy,) = site.properties("TaskRole")["Policies"]
    (statement,) = statements(policy["PolicyDocument"])
    table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}"
    assert statement["Resource"] == [{"Fn::Sub": table}, {"Fn::Sub": table + "/index/*"}]
    assert all(action.startswith("dynamodb:") and "*" not in action for action in statement["Action"])
    assert "dynamodb:DeleteTable" not in statement["Action"]


def test_the_uploads_bucket_is_the_only_one_the_task_role_may_use(service_template):
    site = render(service_template, **SITE, UploadsBucket="flaskcom-prod-uploadsbucket-1a2b3c")
    assert site.value(environment(site)["UPLOADS_BUCKET"]) == "flaskcom-prod-uploadsbucket-1a2b3c"
    (policy,) = site.properties("TaskRole")["Policies"]
    objects, listing = statements(policy["PolicyDocument"])
    assert objects["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${UploadsBucket}/*"}
    assert set(objects["Action"]) == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    assert (listing["Action"], listing["Resource"]) == (
        "s3:ListBucket",
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${UploadsBucket}"},
    )


def test_every_store_at_once_keeps_exec_and_both_store_policies(service_template):
    site = render(
        service_template, **SITE, **DATABASE, TableName="t-1", UploadsBucket="b-1", EnableExec="true"
    )
    names = [p["PolicyName"] for p in site.properties("TaskRole")["Policies"]]
    assert names == ["execute-command", "app-table", "app-uploads", "app-database-secret"]


# --- checkov with each option on --------------------------------------------------------------------


def with_defaults(path, tmp_path, **defaults):
    """The template as JSON with some parameters' defaults changed, so checkov evaluates those options."""
    template = load(path)
    for name, value in defaults.items():
        template["Parameters"][name]["Default"] = value
    out = tmp_path / f"{path.stem}-{'-'.join(f'{k}={v}' for k, v in defaults.items())}.json"
    out.write_text(json.dumps(template))
    return out


BASE_OPTIONS = [{"Database": "postgres"}, {"EnableTable": "true"}, {"EnableUploads": "true"}]
SERVICE_OPTIONS = [
    {"DatabaseSecretArn": SECRET, "DatabaseHost": HOST},
    {"TableName": "t-1"},
    {"UploadsBucket": "b-1"},
]


@pytest.mark.parametrize(
    ("path", "option"),
    [(BASE, o) for o in BASE_OPTIONS] + [(SERVICE, o) for o in SERVICE_OPTIONS],
    ids=lambda v: v.name if hasattr(v, "name") else next(iter(v)),
)
def test_checkov_passes_with_each_store_on(checkov_bin, tmp_path, path, option):
    result = checkov(checkov_bin, with_defaults(path, tmp_path, **option))
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_sees_the_database_only_when_it_is_on(checkov_bin, tmp_path):
    # The skip justified in the template is what keeps the run above green: without it the cluster
    # fails, and with the option off checkov never looks at the cluster at all.
    text = BASE.read_text()
    marker = "          - id: CKV_AWS_162\n"
    assert marker in text
    broken = tmp_path / "resources.yaml"
    broken.write_text(text.replace(marker, "          - id: CKV_AWS_0\n"))
    assert checkov(checkov_bin, broken).returncode == 0
    result = checkov(checkov_bin, with_defaults(broken, tmp_path, Database="postgres"))
    assert result.returncode != 0
    assert "CKV_AWS_162" in result.stdout
