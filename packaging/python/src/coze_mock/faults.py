"""The fault actions `CozeMock.fault()` takes, typed: a misspelt `kind` or a missing field fails mypy.

```python
mock.fault({"kind": "envelope", "code": 4009, "msg": "rate limited", "status": 429})
mock.fault({"kind": "http_status", "status": 503})
mock.fault({"kind": "latency", "ms": 500})
mock.fault({"kind": "drop"})
```
"""

from __future__ import annotations

from typing import Literal, TypedDict, Union

__all__ = ["DropFault", "EnvelopeFault", "FaultAction", "HttpStatusFault", "LatencyFault"]


class _Envelope(TypedDict):
    kind: Literal["envelope"]
    code: int
    msg: str


class EnvelopeFault(_Envelope, total=False):
    """Answers this envelope (with a fresh logid) instead of the fake's own answer."""

    #: The HTTP status; 200 if absent (Coze answers many errors on 200).
    status: int


class HttpStatusFault(TypedDict):
    """Answers a bare HTTP status with a plain-text body, as a gateway would: 429 or 500-599."""

    kind: Literal["http_status"]
    status: int


class LatencyFault(TypedDict):
    """Answers normally, `ms` milliseconds late."""

    kind: Literal["latency"]
    ms: int


class DropFault(TypedDict):
    """Closes the connection in the middle of the answer."""

    kind: Literal["drop"]


#: What a fault does: one of the four actions.
FaultAction = Union[EnvelopeFault, HttpStatusFault, LatencyFault, DropFault]
