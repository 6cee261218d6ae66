"""coze-mock for Python tests: `CozeMock` starts the offline fake of Coze's voice-clone API on a free
loopback port, and the pytest plugin (`coze_mock` fixture) gives each test a freshly reset one."""

from ._server import DEFAULT_TOKEN, CozeMock, CozeMockError, find_binary
from .faults import FaultAction

__all__ = ["CozeMock", "CozeMockError", "DEFAULT_TOKEN", "FaultAction", "find_binary"]
