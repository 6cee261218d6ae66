"""The packaged coze-mock's own tests: run against the wheel installed in a fresh venv (`.ci/packaging`)."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def speech_mp3() -> Path:
    """A real 12 s mp3 with an ID3 tag from the repository's audio fixtures."""
    return REPO / "fixtures" / "audio" / "speech-id3.mp3"
