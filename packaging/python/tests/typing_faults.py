"""Not a test module: `.ci/packaging` runs `mypy --strict --warn-unused-ignores` on it. The valid fault
actions must pass; each mistake below must be an error, or its `type: ignore` is reported unused."""

from coze_mock import CozeMock, FaultAction


def valid(mock: CozeMock) -> None:
    mock.fault({"kind": "envelope", "code": 4009, "msg": "rate limited", "status": 429})
    mock.fault({"kind": "envelope", "code": 4000, "msg": "no status: 200"}, times=2)
    mock.fault({"kind": "http_status", "status": 503}, path="/v1/audio/*")
    mock.fault({"kind": "latency", "ms": 500}, for_ms=1000)
    drop: FaultAction = {"kind": "drop"}
    mock.fault(drop, method="GET")


def mistakes(mock: CozeMock) -> None:
    mock.fault({"kind": "envelop", "code": 4009, "msg": "x"})  # type: ignore[typeddict-item]
    mock.fault({"kind": "latency", "ms": "500"})  # type: ignore[typeddict-item]
    mock.fault({"kind": "envelope", "code": 4009})  # type: ignore[arg-type]
    mock.fault({"kind": "drop", "ms": 5})  # type: ignore[typeddict-item]
