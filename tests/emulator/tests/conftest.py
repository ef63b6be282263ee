"""One emulator for the session (started and stopped through the CLI), reset before every test."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config

EMULATOR_DIR = Path(__file__).resolve().parents[1]
SCRIPT = EMULATOR_DIR / "emulator"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account for unknown access keys

# Hermetic SDK setup: nothing from the developer's AWS config, no proxy for loopback.
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]
os.environ.update(
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION=REGION,
    NO_PROXY="127.0.0.1,localhost",
    no_proxy="127.0.0.1,localhost",
)
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# No retries: an injected error must reach the test on the first call.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)


def cli(*args: str | Path, check: bool = True, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Run the `emulator` script, as users and CI do."""
    result = subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"emulator {args} exited {result.returncode}:\n{result.stderr}")
    return result


def http(endpoint: str, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
    data = None if payload is None else (payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    request = urllib.request.Request(f"{endpoint}{path}", data=data, method=method)
    try:
        with _HTTP.open(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@dataclass
class Emulator:
    endpoint: str
    state_dir: Path
    models_dir: Path  # botocore data path for clients with a forced protocol

    def api(self, method: str, path: str, payload: Any = None) -> Any:
        status, body = http(self.endpoint, method, path, payload)
        assert status < 300, (status, body)
        return body

    def client(self, service: str, protocol: str | None = None, region: str = REGION) -> Any:
        """A boto3 client; `protocol="query"` forces the AWS Query protocol (as the Go and older
        SDKs use for CloudWatch) through a botocore data path holding a copy of the model.
        `region` is the client's region, which it also signs with (the endpoint is ours)."""
        session = botocore.session.Session()
        if protocol is not None:
            model_root = _model_override(self.models_dir, service, protocol)
            session.get_component("data_loader").search_paths.insert(0, str(model_root))
        return boto3.Session(botocore_session=session, region_name=region).client(
            service, endpoint_url=self.endpoint, config=NO_RETRIES
        )

    def server_log(self) -> str:
        return (self.state_dir / "server.log").read_text()


def _model_override(models_dir: Path, service: str, protocol: str) -> Path:
    """A copy of botocore's model of `service` that lists only `protocol`."""
    root = models_dir / protocol
    loader = botocore.loaders.create_loader()
    version = loader.determine_latest_version(service, "service-2")
    target = root / service / version / "service-2.json"
    if not target.exists():
        model = loader.load_service_model(service, "service-2", version)
        assert protocol in model["metadata"].get("protocols", [model["metadata"]["protocol"]]), protocol
        model["metadata"].update(protocol=protocol, protocols=[protocol])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(model))
    return root


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    state_dir = tmp_path_factory.mktemp("emulator-state")
    endpoint = cli("start", "--state-dir", state_dir).stdout.strip()
    try:
        yield Emulator(endpoint, state_dir, tmp_path_factory.mktemp("botocore-models"))
    finally:
        cli("stop", "--state-dir", state_dir, check=False)


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> None:
    if "no_emulator" not in request.keywords:
        request.getfixturevalue("emulator").api("POST", "/_opsdeck/reset")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_emulator: the test needs no shared emulator")
