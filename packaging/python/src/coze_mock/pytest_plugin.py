"""The pytest plugin (entry point `pytest11`): one coze-mock per test session, reset before each test.

| fixture | scope | gives |
| --- | --- | --- |
| `coze_mock` | test | the session's `CozeMock`, reset to its configured state first |
| `coze_mock_server` | session | the session's `CozeMock`, never reset by the plugin |
| `coze_mock_config` | session | the config file it starts with: `--coze-mock-config PATH`, else the ini option `coze_mock_config` (relative to the ini file), else none (`pat_mock`); override this fixture in a `conftest.py` to choose in code |
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import pytest

from ._server import CozeMock

_INI = "coze_mock_config"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(_INI, "coze-mock config file (TOML) for the session's fake, relative to the ini file")
    parser.addoption(
        "--coze-mock-config",
        dest=_INI,
        metavar="PATH",
        help="coze-mock config file (TOML) for the session's fake; overrides the ini option",
    )


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
def coze_mock_server(coze_mock_config: Optional[Path]) -> Iterator[CozeMock]:
    """One fake for the whole session, stopped when the session ends."""
    with CozeMock(coze_mock_config) as mock:
        yield mock


@pytest.fixture
def coze_mock(coze_mock_server: CozeMock) -> CozeMock:
    """The session's fake, reset first: no voice, journal entry, seed or fault of another test."""
    coze_mock_server.reset()
    return coze_mock_server
