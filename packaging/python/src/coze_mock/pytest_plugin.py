"""The pytest plugin (entry point `pytest11`): one coze-mock per test session, reset before each test.

| fixture | scope | gives |
| --- | --- | --- |
| `coze_mock` | test | the session's `CozeMock`, reset to its configured state first |
| `coze_mock_server` | session | the session's `CozeMock`, never reset by the plugin |
| `coze_mock_tls` | session | whether the fake serves HTTPS: `--coze-mock-tls`, else the ini option `coze_mock_tls`; then `SSL_CERT_FILE` names its certificate authority for the session, so cozepy (httpx) and websockets trust it |
| `coze_mock_config` | session | the config file it starts with: `--coze-mock-config PATH`, else the ini option `coze_mock_config` (relative to the ini file), else none (`pat_mock`); override this fixture in a `conftest.py` to choose in code |

`@pytest.mark.coze_mock_expect(4000)` (codes, `"refusal"` or rule names) on a test using `coze_mock`
declares the refusals it provokes on purpose: while it runs, every refusal must be one of them, and the
report counts them as covered instead of as the client's mistakes; the test errors at teardown when none
came. `--coze-mock-report=PATH` writes the session's report at its end (JUnit XML when PATH ends in `.xml`,
JSON otherwise), the reports of `pytest -n N` (xdist) workers merged into one; a reset leaves the report,
so it covers every test.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from ._server import CozeMock, CozeMockError, find_binary

_INI = "coze_mock_config"
_TLS = "coze_mock_tls"
_REPORT = "coze_mock_report"
_MARKER = "coze_mock_expect"
#: Where a worker's (or the single process's) report waits for the session's end.
_REPORTS = pytest.StashKey[List[Dict[str, Any]]]()
_NO_FINDINGS = {"error": 0, "warning": 0, "info": 0}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(_INI, "coze-mock config file (TOML) for the session's fake, relative to the ini file")
    parser.addoption(
        "--coze-mock-config",
        dest=_INI,
        metavar="PATH",
        help="coze-mock config file (TOML) for the session's fake; overrides the ini option",
    )
    parser.addini(_TLS, "serve the session's fake over HTTPS (SSL_CERT_FILE trusts it)", type="bool", default=False)
    parser.addoption(
        "--coze-mock-tls",
        dest=_TLS,
        action="store_true",
        default=None,
        help="serve the session's fake over HTTPS, its CA trusted through SSL_CERT_FILE for the session",
    )
    parser.addoption(
        "--coze-mock-report",
        dest=_REPORT,
        metavar="PATH",
        help="write the coze-mock conformance report of the session to PATH at its end: JUnit XML if "
        "PATH ends in .xml, else JSON; xdist workers' reports are merged",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(*outcomes, path=None, method=None): the refusals (codes, 'refusal', rule names) "
        "this test provokes on purpose through the coze_mock fixture",
    )
    config.stash[_REPORTS] = []


@pytest.fixture(scope="session")
def coze_mock_config(pytestconfig: pytest.Config) -> Optional[Path]:
    """The config file the session's fake starts with, or `None` for the default (`pat_mock`)."""
    option = pytestconfig.getoption(_INI)
    if option:
        return Path(str(option)).resolve()
    ini = pytestconfig.getini(_INI)
    if ini:
        base = pytestconfig.inipath.parent if pytestconfig.inipath else pytestconfig.rootpath
        return (base / str(ini)).resolve()
    return None


@pytest.fixture(scope="session")
def coze_mock_tls(pytestconfig: pytest.Config) -> bool:
    """Whether the session's fake serves HTTPS."""
    option = pytestconfig.getoption(_TLS)
    return bool(option) if option is not None else bool(pytestconfig.getini(_TLS))


@contextlib.contextmanager
def _trusted(mock: CozeMock) -> Iterator[None]:
    """Over HTTPS, `SSL_CERT_FILE` names the fake's certificate authority until the block ends."""
    if mock.ca_file is None:
        yield
        return
    before = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = mock.ca_file
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = before


@pytest.fixture(scope="session")
def coze_mock_server(
    coze_mock_config: Optional[Path], coze_mock_tls: bool, pytestconfig: pytest.Config
) -> Iterator[CozeMock]:
    """One fake for the whole session, stopped when the session ends (its report kept first when
    `--coze-mock-report` asks for it). Over HTTPS, `SSL_CERT_FILE` names its certificate authority
    until then."""
    with CozeMock(coze_mock_config, tls=coze_mock_tls) as mock, _trusted(mock):
        yield mock
        if pytestconfig.getoption(_REPORT):
            report = mock.report()
            workeroutput = getattr(pytestconfig, "workeroutput", None)
            if workeroutput is not None:
                workeroutput[_REPORT] = json.dumps(report)
            else:
                pytestconfig.stash[_REPORTS].append(report)


@pytest.fixture
def coze_mock(coze_mock_server: CozeMock, request: pytest.FixtureRequest) -> Iterator[CozeMock]:
    """The session's fake, reset first: no voice, journal entry, seed, fault or expectation of another
    test. With the `coze_mock_expect` marker, the refusals it names are expected while the test runs."""
    coze_mock_server.reset()
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None:
        yield coze_mock_server
        return
    coze_mock_server.expect(*marker.args, **marker.kwargs)
    yield coze_mock_server
    seen = coze_mock_server.clear_expectations()
    if not any(e["met"] for e in seen):
        declared = ", ".join(str(a) for a in marker.args)
        pytest.fail(
            f"@pytest.mark.{_MARKER}({declared}): no request was answered {declared}",
            pytrace=False,
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist, on the controller: keeps the report a worker sent."""
    report = getattr(node, "workeroutput", {}).get(_REPORT)
    if report:
        node.config.stash[_REPORTS].append(json.loads(report))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Writes the merged report (on the controller only, or the single process)."""
    config = session.config
    path = config.getoption(_REPORT)
    if not path or hasattr(config, "workerinput"):
        return
    reports = config.stash[_REPORTS] or [{"requests": 0, "totals": _NO_FINDINGS, "clients": []}]
    fmt = "junit" if str(path).endswith(".xml") else "json"
    with tempfile.TemporaryDirectory(prefix="coze-mock-report-") as tmp:
        files = []
        for i, report in enumerate(reports):
            file = Path(tmp) / f"report-{i}.json"
            file.write_text(json.dumps(report), encoding="utf-8")
            files.append(str(file))
        merged = subprocess.run(
            [find_binary(), "report", "--merge", *files, "--format", fmt],
            capture_output=True,
            text=True,
            timeout=60,
        )
    if merged.returncode != 0:
        raise CozeMockError(f"coze-mock report --merge failed: {merged.stderr.strip()}")
    Path(path).write_text(merged.stdout, encoding="utf-8")
