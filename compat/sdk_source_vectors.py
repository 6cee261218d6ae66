#!/usr/bin/env python3
"""Write the coze-go and coze-java request vectors of fixtures/requests/ (see its README).

Neither SDK can be run here (no Go toolchain; coze-java needs Maven Central), so these vectors are
assembled from what their sources say goes on the wire, rule by rule, each rule cited below with the
file it comes from:

coze-go (github.com/coze-dev/coze-go at f47b4f2, 2026-04-08; version constant 0.1.0):
  - request.go, parseRawRequestReqBody: a clone is a form; nil pointer fields are left out, every
    other field is sent, so an unset AudioFormat (a plain string) goes out as audio_format="".
    The text fields come from a Go map, whose order changes from run to run: the order below is one
    of them.
  - request.go, newFileUploadRequest: mime/multipart writes the file part first
    (CreateFormFile: Content-Disposition then Content-Type application/octet-stream), then one
    form-data part per field without a Content-Type; the boundary is 30 random bytes in hex.
    The file name is Name() of an *os.File (its path, as opened) and "" for a plain io.Reader.
  - net/http writes Host, User-Agent, Content-Length, then the other headers sorted by name, then
    Accept-Encoding: gzip (added by the Transport).
  - user_agent.go: User-Agent "cozego/0.1.0 go/<go version> <GOOS>/<OSVERSION env>" and the JSON
    X-Coze-Client-User-Agent.
  - audio_speech.go: CreateAudioSpeechReq's optional fields are pointers without omitempty, so
    unset ones are sent as JSON null; Content-Type "application/json; charset=utf-8".
  - audio_voices.go, List: page_size defaults to 20; url.Values.Encode sorts the query.

coze-java (github.com/coze-dev/coze-java at 26b79da, 2025-09-02; coze-api 0.4.2, OkHttp 3.14.9,
Retrofit 2.9.0):
  - VoiceService.clone + AudioVoiceAPI.clone: Retrofit @Multipart, parts in the order file,
    voice_name, audio_format, language, voice_id, preview_text, text (null ones left out); never
    space_id or description. Text parts: RequestBody.create(text/plain) -> OkHttp adds
    "; charset=utf-8"; Retrofit's @Part adds Content-Transfer-Encoding: binary. The file part:
    createFormData("file", file.getName(), RequestBody.create(multipart/form-data, file)).
  - OkHttp MultipartBody: every part's headers, then Content-Type and Content-Length of its body;
    boundary a random UUID.
  - Interceptors in order Authentication (header Authorization), Timeout, UserAgent (User-Agent,
    X-Coze-Client-User-Agent from a HashMap); then OkHttp's BridgeInterceptor adds Content-Type,
    Content-Length, Host, Connection: Keep-Alive, Accept-Encoding: gzip.
  - CreateSpeechReq: response_format defaults to mp3, speed to 1.0f, and sample_rate is an int, so
    an unset one is sent as 0; Jackson with NON_NULL; Retrofit's Jackson converter sends
    "application/json; charset=UTF-8".
  - ListVoiceReq: page_num 1 and page_size 100 by default; @Query values in declaration order.

Run from the repository root: python3 compat/sdk_source_vectors.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "fixtures", "requests")
HOST = "127.0.0.1:43841"
VOICE_ID = "7468518753626652713"
GO_BOUNDARY = "8f6b0b3c1e5d7a29c4e1f0a3b6d8e2f5a7c9b1d3e5f7a9c2b4d6e8f0a1c3"
JAVA_BOUNDARY = "3b1c2d4e-5f60-4718-92a3-b4c5d6e7f809"
GO_UA = "cozego/0.1.0 go/1.22.5 linux/"
GO_CLIENT_UA = ('{"version":"0.1.0","lang":"cozego","lang_version":"1.22.5",'
                '"os_name":"linux","os_version":""}')
JAVA_UA = "cozejava/0.4.2 java/17.0.15 linux/6.1.0-28-amd64"
JAVA_CLIENT_UA = ('{"lang_version":"17.0.15","os_version":"6.1.0-28-amd64","os_name":"linux",'
                  '"lang":"java","version":"0.4.2"}')
CRLF = b"\r\n"


def request(line, headers, body=b""):
    head = line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + body


def go_form(file_name, payload, fields):
    parts = [b"--" + GO_BOUNDARY.encode() + CRLF
             + f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'.encode()
             + b"Content-Type: application/octet-stream\r\n\r\n" + payload]
    for name, value in fields:
        parts.append(CRLF + b"--" + GO_BOUNDARY.encode() + CRLF
                     + f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode())
    return b"".join(parts) + CRLF + b"--" + GO_BOUNDARY.encode() + b"--" + CRLF


def go_post(path, content_type, body):
    return request(f"POST {path} HTTP/1.1", [
        ("Host", HOST), ("User-Agent", GO_UA), ("Content-Length", str(len(body))),
        ("Authorization", "Bearer pat_mock"), ("Content-Type", content_type),
        ("X-Coze-Client-User-Agent", GO_CLIENT_UA), ("Accept-Encoding", "gzip")], body)


def go_get(target):
    return request(f"GET {target} HTTP/1.1", [
        ("Host", HOST), ("User-Agent", GO_UA), ("Authorization", "Bearer pat_mock"),
        ("X-Coze-Client-User-Agent", GO_CLIENT_UA), ("Accept-Encoding", "gzip")])


def java_form(file_name, payload, fields):
    out = b"--" + JAVA_BOUNDARY.encode() + CRLF
    out += f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'.encode()
    out += b"Content-Type: multipart/form-data\r\n"
    out += f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload + CRLF
    for name, value in fields:
        data = value.encode()
        out += b"--" + JAVA_BOUNDARY.encode() + CRLF
        out += f'Content-Disposition: form-data; name="{name}"\r\n'.encode()
        out += b"Content-Transfer-Encoding: binary\r\n"
        out += b"Content-Type: text/plain; charset=utf-8\r\n"
        out += f"Content-Length: {len(data)}\r\n\r\n".encode() + data + CRLF
    return out + b"--" + JAVA_BOUNDARY.encode() + b"--" + CRLF


def java_headers(content_type=None, length=None):
    headers = [("Authorization", "Bearer pat_mock"), ("User-Agent", JAVA_UA),
               ("X-Coze-Client-User-Agent", JAVA_CLIENT_UA)]
    if content_type:
        headers += [("Content-Type", content_type), ("Content-Length", str(length))]
    return headers + [("Host", HOST), ("Connection", "Keep-Alive"), ("Accept-Encoding", "gzip")]


def main():
    with open(os.path.join(HERE, "voice.mp3"), "rb") as f:
        mp3 = f.read()
    go_multipart = "multipart/form-data; boundary=" + GO_BOUNDARY
    java_multipart = "multipart/form-data; boundary=" + JAVA_BOUNDARY
    vectors = {}
    # The SDK's example: an *os.File (its path as the file name) and AudioFormat set.
    body = go_form("/tmp/coze-go/voice.mp3", mp3,
                   [("voice_name", "compat-voice"), ("audio_format", "mp3")])
    vectors["coze_go_clone.http"] = go_post("/v1/audio/voices/clone", go_multipart, body)
    # A plain io.Reader (bytes.NewReader): filename="", AudioFormat unset, Language set.
    body = go_form("", mp3, [("audio_format", ""), ("language", "zh"),
                             ("voice_name", "compat-voice")])
    vectors["coze_go_clone_reader.http"] = go_post("/v1/audio/voices/clone", go_multipart, body)
    body = go_form("", mp3, [("voice_id", VOICE_ID), ("voice_name", "compat-voice"),
                             ("audio_format", "mp3")])
    vectors["coze_go_retrain.http"] = go_post("/v1/audio/voices/clone", go_multipart, body)
    vectors["coze_go_list.http"] = go_get(
        "/v1/audio/voices?filter_system_voice=false&page_num=1&page_size=20")
    speech = ('{"input":"你好，世界","voice_id":"' + VOICE_ID + '","response_format":null,'
              '"speed":null,"sample_rate":null,"loudness_rate":null,"emotion":null,'
              '"emotion_scale":null}').encode()
    vectors["coze_go_speech.http"] = go_post(
        "/v1/audio/speech", "application/json; charset=utf-8", speech)
    # coze-java: CloneVoiceReq with file_path, voice_name, audio_format (its example), language.
    body = java_form("voice.mp3", mp3, [("voice_name", "compat-voice"), ("audio_format", "mp3"),
                                        ("language", "zh")])
    vectors["coze_java_clone.http"] = request(
        "POST /v1/audio/voices/clone HTTP/1.1", java_headers(java_multipart, len(body)), body)
    body = java_form("voice.mp3", mp3, [("voice_name", "compat-voice"), ("audio_format", "mp3"),
                                        ("voice_id", VOICE_ID)])
    vectors["coze_java_retrain.http"] = request(
        "POST /v1/audio/voices/clone HTTP/1.1", java_headers(java_multipart, len(body)), body)
    vectors["coze_java_list.http"] = request(
        "GET /v1/audio/voices?filter_system_voice=false&page_num=1&page_size=100 HTTP/1.1",
        java_headers())
    speech = ('{"input":"你好，世界","voice_id":"' + VOICE_ID + '","response_format":"mp3",'
              '"speed":1.0,"sample_rate":0}').encode()
    vectors["coze_java_speech.http"] = request(
        "POST /v1/audio/speech HTTP/1.1",
        java_headers("application/json; charset=UTF-8", len(speech)), speech)
    for name, data in vectors.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
