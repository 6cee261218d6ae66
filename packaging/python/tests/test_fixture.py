"""The `coze_mock` fixture with the official SDK (cozepy): clone, list, speech, an error, the journal,
a fault, and state reset between tests. Clones go over plain HTTP so the tests hold whatever shape the
clone answer's `data` takes (cozepy 0.20.0 parses it into a whole `Voice`)."""

import re
from pathlib import Path

import httpx
import pytest
from cozepy import Coze, CozeAPIError, TokenAuth

from coze_mock import CozeMock


def clone(mock: CozeMock, audio: Path, name: str) -> str:
    with audio.open("rb") as f:
        answer = httpx.post(
            f"{mock.base_url}/v1/audio/voices/clone",
            headers={"Authorization": f"Bearer {mock.token}"},
            data={"voice_name": name, "audio_format": "mp3"},
            files={"file": (audio.name, f, "audio/mpeg")},
        ).json()
    assert answer["code"] == 0, answer
    voice_id = answer["data"]["voice_id"]
    assert re.fullmatch(r"\d{19}", voice_id)
    return voice_id


def sdk(mock: CozeMock, token: str = "") -> Coze:
    return Coze(auth=TokenAuth(token or mock.token), base_url=mock.base_url)


def cloned_voices(coze: Coze) -> list:
    return [v for v in coze.audio.voices.list(filter_system_voice=True)]


def test_a_cloned_voice_is_listed_and_speaks(coze_mock: CozeMock, speech_mp3: Path, tmp_path: Path) -> None:
    voice_id = clone(coze_mock, speech_mp3, "narrator")
    coze = sdk(coze_mock)
    listed = {v.voice_id: v.name for v in cloned_voices(coze)}
    assert listed == {voice_id: "narrator"}

    out = tmp_path / "hello.mp3"
    coze.audio.speech.create(input="你好，世界", voice_id=voice_id).write_to_file(str(out))
    audio = out.read_bytes()
    assert audio[:3] == b"ID3" or (audio[0] == 0xFF and audio[1] & 0xE0 == 0xE0), audio[:4]


def test_an_unknown_token_is_refused_with_4100(coze_mock: CozeMock) -> None:
    with pytest.raises(CozeAPIError) as refused:
        cloned_voices(sdk(coze_mock, token="pat_nobody"))
    assert refused.value.code == 4100


def test_the_journal_records_each_request_with_its_verdict(coze_mock: CozeMock) -> None:
    cloned_voices(sdk(coze_mock))
    with pytest.raises(CozeAPIError):
        cloned_voices(sdk(coze_mock, token="pat_nobody"))
    records = coze_mock.journal()
    assert [(r["method"], r["path"], r["code"]) for r in records] == [
        ("GET", "/v1/audio/voices", 0),
        ("GET", "/v1/audio/voices", 4100),
    ]
    assert coze_mock.journal(after=records[0]["id"]) == records[1:]


def test_a_fault_answers_once_then_the_fake_answers_again(coze_mock: CozeMock) -> None:
    coze_mock.fault(
        {"kind": "envelope", "code": 4009, "msg": "rate limited", "status": 429},
        path="/v1/audio/voices",
        method="GET",
    )
    coze = sdk(coze_mock)
    with pytest.raises(CozeAPIError) as limited:
        cloned_voices(coze)
    assert limited.value.code == 4009
    assert cloned_voices(coze) == []


def test_a_seeded_token_clones_into_its_workspace(coze_mock: CozeMock, speech_mp3: Path) -> None:
    seeded = coze_mock.seed(
        accounts=[{"id": "acme", "plan": "team", "bought_voice_slots": 2}],
        workspaces=[{"id": "7300000000000000001", "account": "acme"}],
        tokens=[
            {
                "value": "pat_acme",
                "account": "acme",
                "personal_workspace": "7300000000000000001",
                "permissions": ["createVoice", "listVoice"],
            }
        ],
        voices=[{"space_id": "7300000000000000001", "name": "seeded"}],
    )
    assert [v["name"] for v in seeded] == ["seeded"]
    names = sorted(v.name for v in cloned_voices(sdk(coze_mock, token="pat_acme")))
    assert names == ["seeded"]


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_from_the_configured_state(coze_mock: CozeMock, speech_mp3: Path, run: int) -> None:
    # Both runs see an empty fake: the second would see the first's voice, seed and journal otherwise.
    assert coze_mock.journal() == []
    with pytest.raises(CozeAPIError):
        cloned_voices(sdk(coze_mock, token="pat_acme"))
    assert cloned_voices(sdk(coze_mock)) == []
    clone(coze_mock, speech_mp3, f"run-{run}")
    coze_mock.seed(
        accounts=[{"id": "acme", "plan": "team"}],
        workspaces=[{"id": "7300000000000000001", "account": "acme"}],
        tokens=[
            {
                "value": "pat_acme",
                "account": "acme",
                "personal_workspace": "7300000000000000001",
                "permissions": [],
            }
        ],
    )
