"""`deploy.py local` with data stores (issue 16): the same stores as on Fargate, as real local servers,
with the same environment variable names the tasks get.

database = "postgres"  Debian's PostgreSQL as a process (local_postgres.py): PGHOST, PGPORT, PGUSER,
                       PGPASSWORD (by name only, like a secret), PGDATABASE; the image builds DATABASE_URL.
table / uploads        moto's server (the AWS emulator the tests use) on 127.0.0.1 with a table of the
                       settings' key schema and a bucket: TABLE_NAME, UPLOADS_BUCKET, AWS_ENDPOINT_URL
                       (boto3 follows it) and throwaway credentials. moto keeps nothing on disk, so the
                       table's items and the bucket's objects are written to the data folder when `local`
                       stops and loaded again when it starts.

Everything lives in one data folder outside the repository (`local_data_dir`, by default under
~/.local/share/flaskcom/), so data survives a restart; `deploy.py local --reset` removes it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import local_postgres
from .errors import ConfigError

REGION = "us-east-1"  # moto's; the app reads AWS_REGION as on Fargate
SECRET_NAMES = ("PGPASSWORD",)  # passed to the container by name only, as ECS injects it


def default_data_dir(settings: Any) -> Path:
    """Outside the repo: XDG's data folder. Run as root the database runs as `nobody`, which cannot
    enter /root, so root's folder is under /var/lib."""
    if os.geteuid() == 0:
        base = Path("/var/lib/flaskcom")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "flaskcom"
    return base / f"{settings.app}-{settings.environment}"


def data_dir(settings: Any) -> Path:
    return (
        Path(settings.local_data_dir).expanduser() if settings.local_data_dir else default_data_dir(settings)
    )


def wanted(settings: Any) -> bool:
    return settings.database == "postgres" or settings.table or settings.uploads


def reset(settings: Any) -> Path | None:
    """Remove the data folder (`local --reset`); the folder removed, or None when there was none."""
    folder = data_dir(settings)
    if not folder.exists():
        return None
    shutil.rmtree(folder)
    return folder


def _key(key: str) -> tuple[str, str]:
    name, _, key_type = key.partition(":")
    return name, key_type or "S"


@dataclass(frozen=True)
class Running:
    """What the app gets: plain variables, and the secret ones (passed by name)."""

    env: dict[str, str]
    secrets: dict[str, str]


class LocalStores:
    """Start with `start()`, stop with `stop()` (which saves the emulator's data first)."""

    def __init__(self, settings: Any):
        self.settings = settings
        self.folder = data_dir(settings)
        self.postgres: local_postgres.LocalPostgres | None = None
        self.moto = None
        self.table_name = f"{settings.base_stack_name}-AppTable-local"
        self.bucket = f"{settings.base_stack_name}-uploads-local"

    # --- start / stop ---

    def start(self) -> Running:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.folder.chmod(0o755)  # the database's user (nobody) must enter it
        env: dict[str, str] = {}
        hidden: dict[str, str] = {}
        try:
            if self.settings.database == "postgres":
                connection = self._start_postgres()
                plain = connection.environment()
                hidden = {name: plain.pop(name) for name in SECRET_NAMES}
                env.update(plain)
            if self.settings.table or self.settings.uploads:
                env.update(self._start_moto())
        except BaseException:
            self.stop()
            raise
        return Running(env, hidden)

    def _start_postgres(self) -> local_postgres.Connection:
        password_file = self.folder / "postgres-password"
        if not password_file.exists():
            password_file.write_text(secrets.token_urlsafe(24))
            password_file.chmod(0o600)
        self.postgres = local_postgres.LocalPostgres(
            self.folder / "postgres", local_postgres.free_port(), password_file.read_text().strip()
        )
        return self.postgres.start()

    def _start_moto(self) -> dict[str, str]:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise ConfigError(
                "starting the local table or uploads bucket: moto (the AWS emulator) is not installed",
                hint="pip install 'moto[server]' (make venv installs it)",
            ) from None
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto keeps its state per process, not per server: start from nothing, then load the folder's.
        urllib.request.urlopen(
            urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30
        ).close()
        env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
        self._endpoint = endpoint
        if self.settings.table:
            self._create_table()
            env["TABLE_NAME"] = self.table_name
        if self.settings.uploads:
            self._create_bucket()
            env["UPLOADS_BUCKET"] = self.bucket
        return env

    def stop(self) -> None:
        try:
            if self.moto is not None:
                self._save()
        finally:
            if self.moto is not None:
                self.moto.stop()
                self.moto = None
            if self.postgres is not None:
                self.postgres.stop()
                self.postgres = None

    # --- the emulator's data, kept in the data folder ---

    def _client(self, service: str):
        import boto3

        return boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION
        ).client(service, endpoint_url=self._endpoint)

    @property
    def _table_file(self) -> Path:
        return self.folder / "table.json"

    @property
    def _uploads_dir(self) -> Path:
        return self.folder / "uploads"

    def _create_table(self) -> None:
        keys = [("HASH", self.settings.table_partition_key)]
        if self.settings.table_sort_key:
            keys.append(("RANGE", self.settings.table_sort_key))
        dynamodb = self._client("dynamodb")
        dynamodb.create_table(
            TableName=self.table_name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": _key(k)[0], "KeyType": kind} for kind, k in keys],
            AttributeDefinitions=[
                {"AttributeName": _key(k)[0], "AttributeType": _key(k)[1]} for _, k in keys
            ],
        )
        if self._table_file.exists():
            for item in json.loads(self._table_file.read_text()):
                dynamodb.put_item(TableName=self.table_name, Item=_decoded_item(item))

    def _create_bucket(self) -> None:
        s3 = self._client("s3")
        s3.create_bucket(Bucket=self.bucket)
        index = self._uploads_dir / "index.json"
        if index.exists():
            for key, content_type in json.loads(index.read_text()).items():
                body = (self._uploads_dir / _file_name(key)).read_bytes()
                s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def _save(self) -> None:
        if self.settings.table:
            items = []
            for page in self._client("dynamodb").get_paginator("scan").paginate(TableName=self.table_name):
                items += [_encoded_item(item) for item in page["Items"]]
            self._table_file.write_text(json.dumps(items))
        if self.settings.uploads:
            s3 = self._client("s3")
            saved = self._uploads_dir.with_suffix(".new")
            shutil.rmtree(saved, ignore_errors=True)
            saved.mkdir()
            index = {}
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
                for entry in page.get("Contents", []):
                    answer = s3.get_object(Bucket=self.bucket, Key=entry["Key"])
                    (saved / _file_name(entry["Key"])).write_bytes(answer["Body"].read())
                    index[entry["Key"]] = answer.get("ContentType", "application/octet-stream")
            (saved / "index.json").write_text(json.dumps(index))
            shutil.rmtree(self._uploads_dir, ignore_errors=True)
            saved.rename(self._uploads_dir)  # the old copy goes only once the new one is whole


def _file_name(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _encoded_item(item: dict) -> dict:
    """DynamoDB's JSON, with binary values (bytes from boto3) as base64 text."""
    return json.loads(json.dumps(item, default=lambda b: {"__bytes__": base64.b64encode(b).decode()}))


def _decoded_item(item: Any) -> Any:
    if isinstance(item, dict):
        if set(item) == {"__bytes__"}:
            return base64.b64decode(item["__bytes__"])
        return {key: _decoded_item(value) for key, value in item.items()}
    if isinstance(item, list):
        return [_decoded_item(value) for value in item]
    return item
