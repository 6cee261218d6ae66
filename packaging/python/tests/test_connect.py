"""`CozeMock.connect()` to a fake already running, `port=`, `COZE_MOCK_ADDR`, and `python -m coze_mock`."""

import socket
import subprocess
import sys

import httpx
import pytest

from coze_mock import CozeMock, CozeMockError, find_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connect_drives_a_running_fake_through_its_admin_token() -> None:
    with CozeMock(env={"COZE_MOCK_ADMIN_TOKEN": "admin-secret"}) as running:
        mock = CozeMock.connect(running.base_url, admin_token="admin-secret")
        assert mock.base_url == running.base_url and mock.token == "pat_mock"
        mock.fault({"kind": "envelope", "code": 4009, "msg": "rate limited"}, path="/v1/audio/voices")
        answer = httpx.get(f"{mock.base_url}/v1/audio/voices", headers={"Authorization": "Bearer pat_mock"})
        assert answer.json()["code"] == 4009
        assert [r["code"] for r in mock.journal()] == [4009]
        mock.reset()
        assert mock.journal() == []
        mock.stop()  # leaves the fake it did not start running
        assert running.journal() == []
        without_token = CozeMock.connect(running.base_url)  # the health check needs no token
        with pytest.raises(CozeMockError, match="4100"):
            without_token.journal()


def test_connect_to_nothing_says_so() -> None:
    with pytest.raises(CozeMockError, match="no coze-mock answers at http://127.0.0.1:"):
        CozeMock.connect(f"http://127.0.0.1:{free_port()}")


def test_port_chooses_the_port() -> None:
    port = free_port()
    with CozeMock(port=port) as mock:
        assert mock.base_url == f"http://127.0.0.1:{port}"
    with pytest.raises(CozeMockError, match="not both"):
        CozeMock(port=port, args=["--addr", "127.0.0.1:0"])


def test_coze_mock_addr_and_an_addr_flag_are_honoured() -> None:
    port = free_port()
    with CozeMock(env={"COZE_MOCK_ADDR": f"127.0.0.1:{port}"}) as mock:
        assert mock.base_url == f"http://127.0.0.1:{port}"
    port = free_port()
    with CozeMock(args=[f"--addr=127.0.0.1:{port}"]) as mock:
        assert mock.base_url == f"http://127.0.0.1:{port}"


def test_python_dash_m_runs_the_binary() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "coze_mock", "--version"], capture_output=True, text=True, check=True
    ).stdout
    expected = subprocess.run([find_binary(), "--version"], capture_output=True, text=True).stdout
    assert version == expected and version.startswith("coze-mock "), version
