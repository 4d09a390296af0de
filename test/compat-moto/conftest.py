# A boto3 suite in the style of moto's server-mode tests, run against `imago serve --compat moto`.
#
# As moto's server mode is used: AWS_ENDPOINT_URL points every boto3 client at the server (the
# tests call boto3.client("ec2", region_name=...) exactly as moto's do), any key is account
# 123456789012, and state is wiped before each test with POST /moto-api/reset (what moto's
# @mock_aws does in server mode).
#
# COMPAT_ENDPOINT=http://127.0.0.1:5000 runs the same suite against a running server instead
# (e.g. `moto_server -p 5000`, to compare answers). Tests marked `aws_not_moto` assert AWS's
# documented behaviour where moto's differs (README, "Coming from moto or LocalStack").
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def pytest_configure(config):
    config.addinivalue_line("markers", "aws_not_moto: asserts AWS's documented behaviour where moto's server mode answers otherwise")


def _start_imago():
    data_dir = tempfile.mkdtemp(prefix="imago-compat-moto-")
    log_path = os.path.join(data_dir, "server.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        ["node", os.path.join(ROOT, "bin", "imago.mjs"), "serve", "--compat", "moto", "--port", "0", "--data-dir", os.path.join(data_dir, "data")],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("imago exited at start-up:\n" + open(log_path).read())
        with open(log_path) as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == "listening":
                    return proc, entry["url"], data_dir, log
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("imago did not report listening within 60 s:\n" + open(log_path).read())


@pytest.fixture(scope="session", autouse=True)
def endpoint():
    url = os.environ.get("COMPAT_ENDPOINT")
    proc = data_dir = log = None
    if not url:
        proc, url, data_dir, log = _start_imago()
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")}
    os.environ.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    yield url
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if proc:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def reset(endpoint):
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST"), timeout=60).read()
    yield
