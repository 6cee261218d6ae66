"""The report gating a real suite: a cozepy suite that tests error paths with the `coze_mock_expect`
marker, run under `pytest -n 2` (xdist, one fake per worker), writes one merged report that
`coze-mock report --fail-on error` passes; the same suite with a deliberate client mistake fails it."""

import json
import subprocess
from pathlib import Path

import pytest

from coze_mock import find_binary

#: A suite as a user writes one: cozepy against the `coze_mock` fixture, two refusals provoked on purpose.
SUITE = """
import pydantic
import pytest
from cozepy import Coze, CozeAPIError, TokenAuth

AUDIO = {audio!r}


def sdk(mock):
    return Coze(auth=TokenAuth(mock.token), base_url=mock.base_url)


def clone(mock, name):
    try:
        sdk(mock).audio.voices.clone(voice_name=name, file=open(AUDIO, "rb"), audio_format="mp3")
    except pydantic.ValidationError:  # cozepy 0.20.0 cannot parse the documented answer; the voice exists
        pass


def test_a_clone_is_listed(coze_mock):
    clone(coze_mock, "jay")
    names = [v.name for v in sdk(coze_mock).audio.voices.list(filter_system_voice=True)]
    assert names == ["jay"]


{mark_129}
def test_a_name_of_129_bytes_is_refused(coze_mock):
    with pytest.raises(CozeAPIError) as refused:
        clone(coze_mock, "名" * 43)
    assert refused.value.code == 4000


@pytest.mark.coze_mock_expect(4200)
def test_speech_with_an_unknown_voice_is_refused(coze_mock):
    with pytest.raises(CozeAPIError) as refused:
        sdk(coze_mock).audio.speech.create(input="你好", voice_id="7000000000000000000")
    assert refused.value.code == 4200


@pytest.mark.coze_mock_expect("refusal", path="/v1/audio/voices/clone")
def test_a_clone_and_a_refused_retrain(coze_mock):
    clone(coze_mock, "first")
    with pytest.raises(CozeAPIError) as refused:
        sdk(coze_mock).audio.voices.clone(
            voice_name="again", file=open(AUDIO, "rb"), audio_format="mp3", voice_id="7000000000000000009"
        )
    assert refused.value.code == 4200
"""


def run_suite(pytester: pytest.Pytester, speech_mp3: Path, mark_129: str, report: str) -> Path:
    pytester.makepyfile(test_suite=SUITE.format(audio=str(speech_mp3), mark_129=mark_129))
    path = pytester.path / report
    result = pytester.runpytest_subprocess("-n", "2", f"--coze-mock-report={path}")
    result.assert_outcomes(passed=4)
    assert path.exists(), result.stdout.str()
    return path


def gate(report: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [find_binary(), "report", "--merge", str(report), "--fail-on", "error"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_suite_testing_error_paths_on_purpose_passes_the_gate(
    pytester: pytest.Pytester, speech_mp3: Path
) -> None:
    report_path = run_suite(pytester, speech_mp3, "@pytest.mark.coze_mock_expect(4000)", "report.json")
    report = json.loads(report_path.read_text())
    assert report["requests"] >= 6, "every test's requests, both workers merged"
    assert [c["label"].split(" · ")[1] for c in report["clients"]] == ["pat_mock"]
    assert report["totals"]["error"] == 0, report["clients"][0]["findings"]
    expected = [g["id"] for g in report["clients"][0]["findings"] if g.get("expected")]
    assert "limit.bytes_not_characters" in expected
    clone = report["clients"][0]["coverage"][0]
    seen = {c["outcome"]: c["seen"] for c in clone["outcomes"]}
    assert seen["4000"] == 1 and seen["4200"] == 1, seen
    gated = gate(report_path)
    assert gated.returncode == 0, gated.stdout + gated.stderr


def test_the_same_suite_with_a_client_mistake_fails_the_gate(
    pytester: pytest.Pytester, speech_mp3: Path
) -> None:
    report_path = run_suite(pytester, speech_mp3, "", "report.json")
    gated = gate(report_path)
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert "ERROR   limit.bytes_not_characters ×1" in gated.stdout


def test_the_report_is_junit_when_its_name_ends_in_xml(
    pytester: pytest.Pytester, speech_mp3: Path
) -> None:
    xml = run_suite(pytester, speech_mp3, "@pytest.mark.coze_mock_expect(4000)", "report.xml").read_text()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert "limit.bytes_not_characters (expected)" in xml


def test_an_expected_refusal_that_never_came_errors_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.coze_mock_expect(4000)
        def test_nothing_refused(coze_mock):
            pass
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*coze_mock_expect(4000): no request was answered 4000*"])
