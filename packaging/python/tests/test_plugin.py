"""The plugin's config choice and the process's lifetime, run in child pytest sessions and processes."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coze_mock import CozeMock, CozeMockError

CONFIG = """
[[accounts]]
id = "acme"
plan = "team"

[[workspaces]]
id = "7300000000000000001"
account = "acme"

[[tokens]]
value = "pat_from_config"
account = "acme"
personal_workspace = "7300000000000000001"
permissions = ["createVoice", "listVoice"]
"""

USES_TOKEN = """
def test_token(coze_mock):
    assert coze_mock.token == "pat_from_config"
    import httpx
    answer = httpx.get(coze_mock.base_url + "/v1/audio/voices",
                       headers={"Authorization": "Bearer pat_from_config"}).json()
    assert answer["code"] == 0
"""


def test_the_ini_option_names_the_config_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", fake=CONFIG)
    pytester.makeini("[pytest]\ncoze_mock_config = fake.toml\n")
    pytester.makepyfile(USES_TOKEN)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_the_command_line_option_names_the_config_file(pytester: pytest.Pytester) -> None:
    config = pytester.makefile(".toml", fake=CONFIG)
    pytester.makepyfile(USES_TOKEN)
    pytester.runpytest_subprocess(f"--coze-mock-config={config}").assert_outcomes(passed=1)


def test_a_conftest_fixture_overrides_the_config(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", fake=CONFIG)
    pytester.makeconftest(
        """
        import pytest
        from pathlib import Path

        @pytest.fixture(scope="session")
        def coze_mock_config():
            return Path(__file__).parent / "fake.toml"
        """
    )
    pytester.makepyfile(USES_TOKEN)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[tokens]]\nvalue = "pat_x"\naccount = "nobody"\npersonal_workspace = "1"\npermissions = []\n'
    )
    with pytest.raises(CozeMockError, match="nobody"):
        CozeMock(bad).start()


def gone(pid: int) -> bool:
    """Whether `pid` has exited (a zombie waiting for its reaper counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid: int) -> bool:
    """Whether `pid` exits within 10 s; if not, it is killed so a failing test leaves nothing behind."""
    for _ in range(500):
        if gone(pid):
            return True
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    return False


def start_in_child(body: str) -> "tuple[subprocess.Popen[str], int]":
    """Runs `body` in a new Python process after it started a CozeMock `mock` and printed its pid."""
    script = textwrap.dedent(
        """
        import sys, time
        from coze_mock import CozeMock
        mock = CozeMock().start()
        print(mock.pid, flush=True)
        sys.stdin.readline()
        """
    ) + textwrap.dedent(body)
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    server_pid = int(child.stdout.readline())
    assert not gone(server_pid)
    return child, server_pid


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_server_dies_with_a_parent_killed_by_sigkill() -> None:
    child, server_pid = start_in_child("time.sleep(60)")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert wait_gone(server_pid), f"coze-mock {server_pid} outlived its parent"


@pytest.mark.parametrize(
    "ending", ["raise RuntimeError('test crashed')", "sys.exit(0)"], ids=["exception", "exit"]
)
def test_the_server_stops_when_the_parent_ends_without_stopping_it(ending: str) -> None:
    child, server_pid = start_in_child(ending)
    child.communicate("\n")
    assert wait_gone(server_pid), f"coze-mock {server_pid} outlived its parent"


def test_a_with_block_stops_the_server_when_its_body_raises() -> None:
    with pytest.raises(RuntimeError):
        with CozeMock() as mock:
            pid = mock.pid
            raise RuntimeError("test crashed")
    assert wait_gone(pid)


def test_a_config_of_settings_alone_keeps_pat_mock(tmp_path: Path) -> None:
    config = tmp_path / "fidelity.toml"
    config.write_text('[fidelity]\nerror_status = "always_200"\n')
    with CozeMock(config) as mock:
        assert mock.token == "pat_mock"
        assert "accounts, workspaces and tokens: the defaults" in mock.output
        import httpx

        answer = httpx.get(f"{mock.base_url}/v1/audio/voices", headers={"Authorization": "Bearer pat_mock"})
        assert answer.json()["code"] == 0


USES_COZEPY_OVER_HTTPS = """
import os
from cozepy import Coze, TokenAuth

def test_cozepy_reaches_the_fake_over_https(coze_mock):
    assert coze_mock.base_url.startswith("https://127.0.0.1:")
    assert os.environ["SSL_CERT_FILE"] == coze_mock.ca_file
    coze = Coze(auth=TokenAuth(coze_mock.token), base_url=coze_mock.base_url)
    voices = list(coze.audio.voices.list())
    assert voices, "the system voices"
"""


def test_the_tls_option_serves_https_that_cozepy_trusts_through_ssl_cert_file(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(USES_COZEPY_OVER_HTTPS)
    pytester.runpytest_subprocess("--coze-mock-tls").assert_outcomes(passed=1)


def test_without_tls_the_fake_serves_http_and_names_no_ca() -> None:
    with CozeMock() as mock:
        assert mock.base_url.startswith("http://127.0.0.1:")
        assert mock.ca_file is None
