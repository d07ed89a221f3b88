"""The lambda_http fixture (through real pytest runs) and `pytest-lambda serve` (a real
server in a subprocess)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SAM = Path(__file__).parent / "sam"

APP = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"path": event["rawPath"]})}


def rest(event, context):
    return {"statusCode": 418, "body": event["requestContext"]["stage"]}
"""


def test_lambda_http_in_front_of_a_handler(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(app=APP)
    pytester.makeini("[pytest]\nlambda_isolation = inline\n")
    pytester.makepyfile(
        test_api="""
        import pytest


        @pytest.mark.lambda_function("app.handler")
        def test_get(lambda_http, lambda_function):
            response = lambda_http.get("/orders/1")
            assert response.status_code == 200
            assert response.json() == {"path": "/orders/1"}
            assert response.invocation.cold_start
            assert lambda_function.invocations == [response.invocation]


        @pytest.mark.lambda_function("app.rest")
        @pytest.mark.lambda_http(front_door="rest")
        def test_rest(lambda_http):
            response = lambda_http.get("/x")
            assert (response.status_code, response.text) == (418, "Prod")


        @pytest.mark.lambda_function("app.handler")
        @pytest.mark.lambda_http(front_door="carrier-pigeon")
        def test_bad_marker(lambda_http):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*pytest-lambda: @pytest.mark.lambda_http takes api, front_door (http, rest, url, alb)*"]
    )


def test_lambda_http_from_a_template(pytester: pytest.Pytester) -> None:
    template = (SAM / "template.yaml").read_text()
    pytester.path.joinpath("template.yaml").write_text(
        template.replace("CodeUri: ../handlers", "CodeUri: handlers")
    )
    pytester.mkdir("handlers").joinpath("api.py").write_text(
        (SAM.parent / "handlers" / "api.py").read_text()
    )
    pytester.makepyfile(
        test_template="""
        import pytest


        @pytest.mark.lambda_function(isolation="inline")
        @pytest.mark.lambda_http("ServerlessRestApi")
        def test_rest(lambda_http):
            response = lambda_http.get("/hello/you")
            assert response.json()["pathParameters"] == {"name": "you"}
            assert response.invocation.function_name == "Echo"
            other = lambda_http.api("SecureApi").post("/secure")
            assert other.status_code == 401
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore")
    result.assert_outcomes(passed=1)


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (from /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (
                (task / "children").read_text().split() if (task / "children").exists() else []
            )
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_serve_answers_streams_logs_reloads_and_leaves_nothing(tmp_path: Path) -> None:
    code = tmp_path / "app.py"
    code.write_text(APP)
    server = subprocess.Popen(
        [sys.executable, "-m", "pytest_lambda", "serve", "app.handler", "--port", "0"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert server.stderr is not None
    try:
        banner = server.stderr.readline()
        url = re.search(r"listening on (http://\S+)", banner)
        assert url is not None, banner
        first = httpx.get(f"{url.group(1)}/orders/9", timeout=30)
        assert first.status_code == 200 and first.json() == {"path": "/orders/9"}
        lines = []
        while not any(line.startswith("127.0.0.1 ") for line in lines):
            lines.append(server.stderr.readline())
        assert any(line.startswith("REPORT RequestId: ") for line in lines)
        assert any(line.startswith("INIT_START ") for line in lines)
        workers = _children(server.pid)
        assert workers, "the function runs in a worker process"
        # A change to the code: the next request is a cold start with the new code.
        time.sleep(0.05)
        code.write_text(APP.replace('{"path": event["rawPath"]}', '{"changed": True}'))
        while "changed" not in (line := server.stderr.readline()):
            assert line, "the server stopped"
        second = httpx.get(f"{url.group(1)}/orders/9", timeout=30)
        assert second.json() == {"changed": True}
        workers |= _children(server.pid)
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)]


def test_serve_without_template_or_handler_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest_lambda", "serve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no template found: pass -t template.yaml" in result.stderr
