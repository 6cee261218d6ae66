"""`CozeMock`: one `coze-mock` process on a free loopback port, in memory, steered through its admin API."""

from __future__ import annotations

import atexit
import collections
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from typing import Any, Deque, Dict, List, Mapping, Optional, Sequence, Union

from .faults import FaultAction

__all__ = ["CozeMock", "CozeMockError", "DEFAULT_TOKEN", "find_binary"]

#: The token the fake accepts when it runs without a config file.
DEFAULT_TOKEN = "pat_mock"

_LISTENING = re.compile(r"listening on (https?://\S+)")
_PathLike = Union[str, "os.PathLike[str]"]


class CozeMockError(RuntimeError):
    """The fake could not start, or an admin call was refused."""


def find_binary() -> str:
    """The `coze-mock` executable: `$COZE_MOCK_BIN`, else the one this package's wheel installed beside
    the running interpreter's scripts, else the first on the PATH."""
    explicit = os.environ.get("COZE_MOCK_BIN")
    if explicit:
        return explicit
    name = "coze-mock.exe" if os.name == "nt" else "coze-mock"
    for scheme_dir in {sysconfig.get_path("scripts"), os.path.dirname(sys.executable)}:
        candidate = os.path.join(scheme_dir, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("coze-mock")
    if found:
        return found
    raise CozeMockError(
        "the coze-mock binary was not found: pip install coze-mock, or set COZE_MOCK_BIN to its path"
    )


def _first_token(config: Path) -> str:
    """The first `[[tokens]]` value of a config file: the token `CozeMock.token` offers (`pat_mock` if
    the file declares no account, workspace or token: the fake keeps its default ones then)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    with open(config, "rb") as f:
        document = tomllib.load(f)
    if not any(document.get(table) for table in ("accounts", "workspaces", "tokens")):
        return DEFAULT_TOKEN
    tokens = document.get("tokens") or []
    if not tokens or "value" not in tokens[0]:
        raise CozeMockError(f"{config} declares no [[tokens]]; pass token= to CozeMock")
    return str(tokens[0]["value"])


def _names_addr(args: Sequence[str]) -> bool:
    """Whether `coze-mock serve` flags say where to listen."""
    return any(a == "--addr" or a.startswith("--addr=") for a in args)


def _die_with_parent() -> Any:
    """A `preexec_fn` asking Linux to SIGKILL the child when this process dies, even by `kill -9`
    (`PR_SET_PDEATHSIG`); `None` elsewhere, where `stop()`, the context manager and `atexit` remain."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _stop_process(process: "subprocess.Popen[bytes]", grace: float = 5.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class CozeMock:
    """A `coze-mock` server for one test session.

    ```python
    with CozeMock() as mock:
        coze = Coze(auth=TokenAuth(mock.token), base_url=mock.base_url)
    ```

    The server listens on 127.0.0.1 (a free port), keeps its state in memory, and is stopped when the
    `with` block ends, when `stop()` is called, when the interpreter exits, and on Linux also when this
    process is killed outright (the child gets SIGKILL through `PR_SET_PDEATHSIG`).
    """

    def __init__(
        self,
        config: Optional[_PathLike] = None,
        *,
        token: Optional[str] = None,
        binary: Optional[_PathLike] = None,
        port: Optional[int] = None,
        args: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        start_timeout: float = 30.0,
        tls: bool = False,
    ) -> None:
        """`config`: a TOML file of accounts, workspaces and tokens (see the coze-mock README); without
        it, or if it declares none, the fake accepts `pat_mock`. `token`: what `self.token` offers
        (default: `pat_mock`, or the config's first token). `binary`: the executable (default:
        `find_binary()`). `port`: listen on 127.0.0.1:`port` (default: a free port, unless `args` has
        `--addr` or `COZE_MOCK_ADDR` is set). `args`: extra `coze-mock serve` flags. `env`: extra
        environment variables for the process. `tls`: serve HTTPS with a certificate made at start-up;
        its certificate authority is `self.ca_file`, which clients trust through `SSL_CERT_FILE` (the
        pytest plugin's `--coze-mock-tls` sets it for the session)."""
        self.config = Path(config).resolve() if config is not None else None
        self.token: str = token or (_first_token(self.config) if self.config else DEFAULT_TOKEN)
        self._binary = os.fspath(binary) if binary is not None else None
        self._port = port
        self._args = list(args)
        if port is not None and _names_addr(self._args):
            raise CozeMockError("give either port= or --addr in args=, not both")
        self._env = dict(env or {})
        self._admin_token: Optional[str] = self._env.get("COZE_MOCK_ADMIN_TOKEN")
        self._start_timeout = start_timeout
        self._tls = tls
        self._ca_dir: Optional["tempfile.TemporaryDirectory[str]"] = None
        self._ssl: Optional[ssl.SSLContext] = None
        self._process: Optional["subprocess.Popen[bytes]"] = None
        self._output: Deque[str] = collections.deque(maxlen=200)
        self._base_url: Optional[str] = None
        self._finalizer: Optional["weakref.finalize[..., CozeMock]"] = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> "CozeMock":
        """Starts the process and returns once the fake answers `GET /__admin/health` as ready."""
        if self._process is not None:
            raise CozeMockError("this CozeMock is already started")
        env = {**os.environ, **self._env}
        for inherited in ("COZE_MOCK_DB", "COZE_MOCK_ADMIN_TOKEN", "COZE_MOCK_TLS"):
            if inherited not in self._env:
                env.pop(inherited, None)
        command = [self._binary or find_binary(), "serve", "--in-memory"]
        if self._port is not None:
            command += ["--addr", f"127.0.0.1:{int(self._port)}"]
        elif not _names_addr(self._args) and not env.get("COZE_MOCK_ADDR"):
            command += ["--addr", "127.0.0.1:0"]
        if self.config is not None:
            command += ["--config", os.fspath(self.config)]
        if self._tls:
            self._ca_dir = tempfile.TemporaryDirectory(prefix="coze-mock-")
            command += ["--tls", "--tls-ca-out", os.path.join(self._ca_dir.name, "ca.pem")]
        command += self._args
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        self._process = process
        self._finalizer = weakref.finalize(self, _stop_process, process)
        atexit.register(self._finalizer)
        listening = threading.Event()
        threading.Thread(target=self._drain, args=(process, listening), daemon=True).start()
        try:
            self._wait_until_ready(process, listening)
        except BaseException:
            self.stop()
            raise
        return self

    @classmethod
    def connect(
        cls, url: str, *, admin_token: Optional[str] = None, token: str = DEFAULT_TOKEN
    ) -> "CozeMock":
        """The admin API of a fake already running at `url` (a container in CI, `coze-mock serve`):
        `reset()`, `journal()`, `seed()`, `fault()`. `admin_token`: its `--admin-token`, if it has
        one. Raises `CozeMockError` unless it answers ready; `stop()` leaves it running."""
        mock = cls(token=token)
        mock._base_url = url.rstrip("/")
        mock._admin_token = admin_token
        try:
            health = mock._admin("GET", "/health")
        except (OSError, CozeMockError) as e:
            raise CozeMockError(f"no coze-mock answers at {mock._base_url}: {e}") from None
        if not (isinstance(health, dict) and health.get("ready") is True):
            raise CozeMockError(f"the coze-mock at {mock._base_url} is not ready: {health}")
        return mock

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 5 s). Safe to call twice; a fake reached with
        `connect()` is left running."""
        if self._finalizer is not None:
            atexit.unregister(self._finalizer)
            self._finalizer()
            self._finalizer = None
        self._process = None
        if self._ca_dir is not None:
            self._ca_dir.cleanup()
            self._ca_dir = None
        self._ssl = None

    def __enter__(self) -> "CozeMock":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (`https://…` with `tls=True`): give it to the SDK as its base URL."""
        if self._base_url is None:
            raise CozeMockError("the fake is not started")
        return self._base_url

    @property
    def ca_file(self) -> Optional[str]:
        """With `tls=True`, the PEM of the certificate authority to trust (`SSL_CERT_FILE`); else `None`."""
        if self._ca_dir is None:
            return None
        return os.path.join(self._ca_dir.name, "ca.pem")

    @property
    def pid(self) -> int:
        """The process id of the running fake."""
        if self._process is None:
            raise CozeMockError("the fake is not started")
        return self._process.pid

    @property
    def output(self) -> str:
        """The last lines the process printed (start-up lines and logs)."""
        return "\n".join(self._output)

    def _drain(self, process: "subprocess.Popen[bytes]", listening: threading.Event) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            self._output.append(line)
            match = _LISTENING.search(line)
            if match and self._base_url is None:
                self._base_url = match.group(1).rstrip("/")
                listening.set()
        listening.set()

    def _wait_until_ready(self, process: "subprocess.Popen[bytes]", listening: threading.Event) -> None:
        deadline = time.monotonic() + self._start_timeout
        if not listening.wait(self._start_timeout) or self._base_url is None:
            raise CozeMockError(f"coze-mock did not start:\n{self.output}")
        while True:
            if process.poll() is not None:
                raise CozeMockError(f"coze-mock exited with {process.returncode}:\n{self.output}")
            if self._ready():
                return
            if time.monotonic() > deadline:
                raise CozeMockError(f"coze-mock not ready after {self._start_timeout} s:\n{self.output}")
            time.sleep(0.02)

    def _ready(self) -> bool:
        try:
            data = self._admin("GET", "/health")
        except (OSError, CozeMockError):
            return False
        return isinstance(data, dict) and data.get("ready") is True

    # -- admin API ---------------------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        """Calls `/__admin{path}` and returns the envelope's `data`; raises `CozeMockError` on a code."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/__admin{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"} if data is not None else {},
        )
        if self._admin_token:
            request.add_header("Authorization", f"Bearer {self._admin_token}")
        try:
            with urllib.request.urlopen(request, timeout=10, context=self._ssl_context()) as response:
                envelope = json.load(response)
        except urllib.error.HTTPError as e:
            try:
                envelope = json.load(e)
            except ValueError:
                raise CozeMockError(f"{method} /__admin{path}: HTTP {e.code}") from None
        if envelope.get("code") != 0:
            raise CozeMockError(f"{method} /__admin{path}: {envelope.get('code')} {envelope.get('msg')}")
        return envelope.get("data")

    def _ssl_context(self) -> Optional[ssl.SSLContext]:
        """Over HTTPS, a context trusting `ca_file` alone."""
        if self._ssl is None and self.ca_file is not None:
            self._ssl = ssl.create_default_context(cafile=self.ca_file)
        return self._ssl

    def reset(self) -> None:
        """Back to the configured state: voices, journal, seeds, faults and expectations are forgotten;
        the report stays (`clear_report()` empties it)."""
        self._admin("POST", "/reset")

    def report(self) -> Dict[str, Any]:
        """The conformance report over every request since the fake started or `clear_report()`:
        `requests`, `totals` (`error`, `warning`, `info`) and per client its coverage and findings."""
        return dict(self._admin("GET", "/report"))

    def clear_report(self) -> Dict[str, Any]:
        """Empties the report; returns it as it was."""
        return dict(self._admin("DELETE", "/report"))

    def expect(
        self,
        *outcomes: Union[int, str],
        path: Optional[str] = None,
        method: Optional[str] = None,
        times: Optional[int] = None,
        for_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Declares the outcomes the next requests are expected to be answered: codes (`4000`),
        `"refusal"` (anything but a success) or rule names (`"voice_name.max_bytes"`). A request answered
        so counts as covered in the report and its findings as expected, not as the client's mistakes;
        one answered otherwise is an `expect.unmet` error. With `times`, each of the next `times`
        matching requests must be answered so; otherwise every refusal must be, until `for_ms` ends or
        `clear_expectations()` (successes pass). Returns the expectation as the fake lists it."""
        if not outcomes:
            raise CozeMockError("expect() needs at least one code, rule name or 'refusal'")
        spec: Dict[str, Any] = {"expect": list(outcomes)}
        for key, value in (("path", path), ("method", method), ("times", times), ("for_ms", for_ms)):
            if value is not None:
                spec[key] = value
        return dict(self._admin("POST", "/expect", spec))

    def clear_expectations(self) -> List[Dict[str, Any]]:
        """Ends every expectation; returns each with `met` and `unmet`, the requests answered as
        declared and otherwise."""
        return list(self._admin("DELETE", "/expect")["expectations"])

    def journal(self, after: int = 0, limit: int = 1000) -> List[Dict[str, Any]]:
        """The requests the fake received (oldest first), each with `id`, `method`, `path`, `status`,
        `code`, `rule`, `verdict`, `logid`; `after` skips records up to that id."""
        return list(self._admin("GET", f"/journal?after={int(after)}&limit={int(limit)}")["records"])

    def seed(
        self,
        *,
        accounts: Sequence[Mapping[str, Any]] = (),
        workspaces: Sequence[Mapping[str, Any]] = (),
        tokens: Sequence[Mapping[str, Any]] = (),
        voices: Sequence[Mapping[str, Any]] = (),
    ) -> List[Dict[str, Any]]:
        """Adds accounts, workspaces, tokens and voices (the config file's shape, as dicts); returns
        the seeded voices as the API shows them. A seed that would break the configuration is refused
        whole (`CozeMockError`)."""
        body = {
            "accounts": list(accounts),
            "workspaces": list(workspaces),
            "tokens": list(tokens),
            "voices": list(voices),
        }
        return list(self._admin("POST", "/seed", body)["voices"])

    def fault(
        self,
        action: FaultAction,
        *,
        path: Optional[str] = None,
        method: Optional[str] = None,
        times: Optional[int] = None,
        for_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Injects a fault: `action` is `{"kind": "envelope", "code": 4009, "msg": "…", "status": 429}`,
        `{"kind": "http_status", "status": 503}`, `{"kind": "latency", "ms": 500}` or `{"kind": "drop"}`
        (typed: `coze_mock.faults`); it applies to requests matching `path` (a trailing `*` matches a prefix) and `method`, `times`
        times or for `for_ms` milliseconds (neither: once). Returns the fault as the fake lists it."""
        spec: Dict[str, Any] = {"action": dict(action)}
        for key, value in (("path", path), ("method", method), ("times", times), ("for_ms", for_ms)):
            if value is not None:
                spec[key] = value
        return dict(self._admin("POST", "/faults", spec))
