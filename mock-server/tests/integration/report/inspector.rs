//! The inspector page as a person uses it: Debian's `chromium`, headless, driven by `chromedriver` over
//! plain W3C WebDriver HTTP calls. Ignored by default (it needs the browser); `.ci/run` installs
//! `chromium` and `chromium-driver` and runs it with `--ignored`. `CHROMEDRIVER` and `CHROMIUM` override
//! the binaries' paths.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use coze_mock::MockServer;
use serde_json::{json, Value};

use crate::support::api::Api;
use crate::support::binary::Reaped;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;
use crate::support::wav::wav_of_len;

/// The W3C WebDriver key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long the page may take to show what the test waits for; the page refreshes every 2 s.
const PATIENCE: Duration = Duration::from_secs(30);

/// A headless Chromium session, its chromedriver stopped when dropped.
struct Browser {
    /// Killed and reaped when dropped, after [`Browser`]'s own `drop` ended the session.
    _driver: Reaped,
    port: u16,
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A session whose window is `width` CSS pixels wide.
    async fn start(width: u32) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        // Reaped at once: a failure before the browser is assembled must not leave chromedriver behind.
        let driver = Reaped::from(
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("{chromedriver}: {e}; install Debian's chromium and chromium-driver")
                }),
        );
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver never listened");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({"args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            format!("--window-size={width},1000"),
            format!("--user-data-dir={}", profile.path().display()),
        ]});
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        if std::path::Path::new(&binary).exists() {
            options["binary"] = json!(binary);
        }
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}))
            .send()
            .await
            .expect("POST /session")
            .json()
            .await
            .unwrap();
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Browser {
            _driver: driver,
            port,
            http,
            session: format!("{base}/session/{session}"),
            _profile: profile,
        }
    }

    /// One WebDriver command; the error object when the driver refuses it.
    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if !body.is_null() {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
            .json()
            .await
            .unwrap();
        match answer["value"].get("error") {
            Some(_) => Err(answer["value"].clone()),
            None => Ok(answer["value"].clone()),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        self.call(
            reqwest::Method::POST,
            "/elements",
            json!({"using": "css selector", "value": css}),
        )
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("not an element: {e}"))
                .to_owned()
        })
        .collect()
    }

    /// The rendered texts of the elements `css` selects, read in one step: the page re-renders as it
    /// refreshes, so element references do not outlive a refresh.
    async fn texts(&self, css: &str) -> Vec<String> {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({
                "script": "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText);",
                "args": [css],
            }),
        )
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
    }

    /// Clicks the one element `css` selects, finding it again if a refresh replaced it meanwhile.
    async fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            let element = self.one(css).await;
            let clicked = self
                .try_call(
                    reqwest::Method::POST,
                    &format!("/element/{element}/click"),
                    json!({}),
                )
                .await;
            match clicked {
                Ok(_) => return,
                Err(e) if e["error"] == "stale element reference" => {
                    assert!(started.elapsed() < PATIENCE, "{css} kept going stale");
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    async fn clear_and_type(&self, element: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/clear"),
            json!({}),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            json!({"text": text}),
        )
        .await;
    }

    /// The texts of the elements `css` selects, whitespace collapsed, once `until` accepts them (the page
    /// refreshes itself).
    async fn wait_for_texts(&self, css: &str, until: impl Fn(&[String]) -> bool) -> Vec<String> {
        let started = Instant::now();
        loop {
            let texts = self.texts(css).await;
            if until(&texts) {
                return texts;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{css} never showed what was expected; last: {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The one element `css` selects, once there is exactly one.
    async fn one(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let found = self.find_all(css).await;
            if found.len() == 1 {
                return found[0].clone();
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{css}: {} elements",
                found.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` in the page; its return value.
    async fn run(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// The page's current URL.
    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// One Chrome DevTools Protocol command through chromedriver.
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            json!({"cmd": cmd, "params": params}),
        )
        .await
    }

    /// The fonts Chromium drew the text of the first element `css` selects with, by family name.
    async fn fonts_of(&self, css: &str) -> Vec<String> {
        self.cdp("DOM.enable", json!({})).await;
        self.cdp("CSS.enable", json!({})).await;
        let root = self.cdp("DOM.getDocument", json!({"depth": 0})).await["root"]["nodeId"].clone();
        let node = self
            .cdp(
                "DOM.querySelector",
                json!({"nodeId": root, "selector": css}),
            )
            .await["nodeId"]
            .clone();
        let fonts = self
            .cdp("CSS.getPlatformFontsForNode", json!({"nodeId": node}))
            .await;
        fonts["fonts"]
            .as_array()
            .unwrap_or_else(|| panic!("no fonts for {css}: {fonts}"))
            .iter()
            .map(|f| f["familyName"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A PNG screenshot of the window.
    async fn screenshot(&self) -> Vec<u8> {
        let encoded = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        base64_decode(encoded.as_str().expect("base64 PNG"))
    }

    /// The text of the one element `css` selects.
    async fn text_of(&self, css: &str) -> String {
        self.wait_for_texts(css, |t| t.len() == 1).await.remove(0)
    }
}

impl Drop for Browser {
    /// Ends the session, so chromedriver closes Chromium (killing chromedriver alone would orphan it),
    /// also when a failed assertion unwinds through here; chromedriver itself stops as its field drops.
    fn drop(&mut self) {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let path = &self.session[self.session.find("/session/").unwrap_or(0)..];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                stream,
                "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.read_to_end(&mut Vec::new());
        }
    }
}

/// Decodes standard base64 (WebDriver's screenshot encoding).
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut held) = (0u32, 0u32);
    for b in text
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
    {
        let value = ALPHABET
            .iter()
            .position(|a| *a == b)
            .expect("a base64 digit") as u32;
        bits = (bits << 6) | value;
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    out
}

/// Waits until the admin API's `path` satisfies `until`.
async fn wait_for_api(api: &Api, path: &str, until: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let data = api.admin_get(path).await.data();
        if until(&data) {
            return data;
        }
        assert!(started.elapsed() < PATIENCE, "{path} stayed {data}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: .ci/run installs them and runs it"]
async fn the_inspector_shows_rows_findings_coverage_and_steers_faults() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let cozepy_like = || CloneForm::valid(TOKEN).field("audio_format", "wav");
    let voice = cozepy_like().send(&api).await.voice_id();
    api.list(TOKEN, "filter_system_voice=true").await;
    api.speak_wav(TOKEN, &voice, "你好").await;
    let typo = cozepy_like()
        .without("voice_name")
        .field("voiceName", "typo")
        .send(&api)
        .await;
    typo.assert_refused(4000, "voice_name.required");
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices/clone", "action": {"kind": "envelope", "code": 5000, "msg": "busy"}}),
    )
    .await
    .data();
    let retried = || cozepy_like().field("voice_name", "retried");
    retried()
        .send(&api)
        .await
        .assert_refused(5000, "fault.envelope");
    retried().send(&api).await.assert_ok();
    cozepy_like()
        .file(wav_of_len(10 * 1024 * 1024 + 1), Some("big.wav"))
        .send(&api)
        .await
        .assert_refused(4302, "file.max_size");

    let browser = Browser::start(1400).await;
    browser.goto(&format!("{}/__admin/", server.uri())).await;

    // The rows, newest first.
    let rows = browser
        .wait_for_texts("#journal tbody tr.row td:nth-child(6)", |codes| {
            codes.len() == 7
        })
        .await;
    assert_eq!(rows, ["4302", "0", "5000", "4000", "", "0", "0"]);

    // A row opens the request's summary: its fields and its findings, never audio.
    browser
        .click(&format!(
            "#journal tr.row[data-logid='{}']",
            typo.header("x-tt-logid")
        ))
        .await;
    let detail = browser
        .wait_for_texts("#journal tr.detail", |d| d.len() == 1)
        .await;
    assert!(detail[0].contains("voiceName"), "{}", detail[0]);
    assert!(
        detail[0].contains("clone.unknown_field: \"voiceName\": did you mean \"voice_name\"?"),
        "{}",
        detail[0]
    );
    assert!(detail[0].contains("jay.wav") && detail[0].contains("audio hash"));

    // The findings and the coverage grid.
    let findings = browser
        .wait_for_texts("#coverage li[data-id]", |f| f.len() == 2)
        .await;
    assert!(
        findings[0].starts_with("WARNING clone.unknown_field ×1"),
        "{findings:?}"
    );
    assert!(
        findings[1].starts_with("WARNING money.retried_clone ×1"),
        "{findings:?}"
    );
    let cell = |endpoint: &str, outcome: &str| {
        format!("#coverage td[data-endpoint='{endpoint}'][data-outcome='{outcome}']")
    };
    assert_eq!(browser.text_of(&cell("clone", "4302")).await, "1");
    assert_eq!(browser.text_of(&cell("clone", "5000")).await, "1");
    assert_eq!(browser.text_of(&cell("clone", "success")).await, "2");
    assert_eq!(browser.text_of(&cell("clone", "1109")).await, "·");
    assert_eq!(browser.text_of(&cell("speech", "success")).await, "1");
    let never = browser
        .wait_for_texts("#coverage .never-seen li", |n| !n.is_empty())
        .await;
    assert!(never[0].contains("1109"), "{never:?}");

    // Voices with their training times, and the account's slots.
    let voices = browser
        .wait_for_texts("#voices tr[data-voice]", |v| v.len() == 2)
        .await;
    assert!(
        voices
            .iter()
            .any(|v| v.contains(&voice) && v.ends_with(" 9")),
        "{voices:?}"
    );
    let account = browser
        .wait_for_texts("#account-table tr[data-account]", |a| a.len() == 1)
        .await;
    assert!(account[0].ends_with("2 100 98"), "{account:?}");

    // The fault form adds a fault the API then holds, and clears it.
    let form = |name: &str| format!("#fault-form [name='{name}']");
    browser
        .clear_and_type(&browser.one(&form("path")).await, "/v1/audio/speech")
        .await;
    browser
        .clear_and_type(&browser.one(&form("times")).await, "2")
        .await;
    browser
        .clear_and_type(&browser.one(&form("code")).await, "4019")
        .await;
    browser.click("#add-fault").await;
    let faults = wait_for_api(&api, "/faults", |f| {
        f["faults"].as_array().unwrap().len() == 1
    })
    .await;
    let fault = &faults["faults"][0];
    assert_eq!(fault["path"], "/v1/audio/speech");
    assert_eq!(fault["remaining"], 2);
    assert_eq!(fault["action"]["code"], 4019);
    let listed = browser
        .wait_for_texts("#faults li[data-fault]", |f| f.len() == 1)
        .await;
    assert!(
        listed[0].contains("/v1/audio/speech → envelope 4019"),
        "{listed:?}"
    );
    browser.click("#clear-faults").await;
    wait_for_api(&api, "/faults", |f| {
        f["faults"].as_array().unwrap().is_empty()
    })
    .await;
    browser
        .wait_for_texts("#faults #no-faults", |f| f.len() == 1)
        .await;

    // Reset, after a confirmation.
    browser.click("#reset").await;
    browser.click("#reset-confirm").await;
    wait_for_api(&api, "/voices", |v| {
        v.as_array()
            .unwrap()
            .iter()
            .all(|v| v["voice_id"] != voice.as_str())
    })
    .await;
    browser
        .wait_for_texts("#journal tbody tr.row", |rows| rows.is_empty())
        .await;
}

/// The journal's cells (head and rows) that are clipped: past the panel's right edge, or holding more
/// than they show. Also the table's and the panel's widths.
const CLIPPED_CELLS: &str = r##"
const panel = document.getElementById("journal-section").getBoundingClientRect();
const clipped = [];
const cells = document.querySelectorAll("#journal > thead th, #journal > tbody > tr > td, #journal tr.detail td, #journal tr.detail th");
for (const c of cells) {
  const r = c.getBoundingClientRect();
  if (r.right > panel.right + 0.5 || r.left < panel.left - 0.5 || c.scrollWidth > c.clientWidth + 1) {
    clipped.push(c.textContent.slice(0, 60));
  }
}
return { clipped, cells: cells.length, table: document.getElementById("journal").scrollWidth,
         panel: document.getElementById("journal-section").clientWidth, window: window.innerWidth };
"##;

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: .ci/run installs them and runs it"]
async fn at_1280_px_no_journal_column_is_clipped_the_filters_follow_the_url_and_chinese_has_a_font()
{
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let cozepy_like = || CloneForm::valid(TOKEN).field("audio_format", "wav");
    let voice = cozepy_like().send(&api).await.voice_id();
    cozepy_like()
        .field("voice_name", &"名".repeat(43))
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");
    api.speak_wav(TOKEN, &voice, "你好").await;
    // The widest values a row can hold: a long path, a long rule, a long client label.
    api.http
        .get(api.url(&format!("/v1/audio/{}", "segment/".repeat(20))))
        .header(
            "user-agent",
            "cozepy/0.20.0-with-a-long-build-tag python/3.11.2",
        )
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let mut wide_field = CloneForm::valid(TOKEN).field("audio_format", "wav");
    wide_field = wide_field.field(&"a_very_long_field_name_".repeat(8), "x");
    wide_field.send(&api).await.assert_ok();

    let browser = Browser::start(1280).await;
    browser
        .goto(&format!("{}/__admin/?code=4000", server.uri()))
        .await;
    let codes = browser
        .wait_for_texts("#journal tbody tr.row td:nth-child(6)", |c| c.len() == 1)
        .await;
    assert_eq!(codes, ["4000"], "the link's filter applies on load");
    assert_eq!(
        browser.text_of("#journal-count").await,
        "(1 of 5, newest first)"
    );

    browser.click("#clear-filters").await;
    browser
        .wait_for_texts("#journal tbody tr.row", |rows| rows.len() == 5)
        .await;
    assert!(
        !browser.url().await.contains('?'),
        "cleared filters leave the URL"
    );
    browser
        .click("#filters [name='endpoint'] option[value='speech']")
        .await;
    let paths = browser
        .wait_for_texts("#journal tbody tr.row td:nth-child(4)", |p| p.len() == 1)
        .await;
    assert_eq!(paths, ["/v1/audio/speech"]);
    assert!(browser.url().await.ends_with("/__admin/?endpoint=speech"));
    browser
        .click("#filters [name='endpoint'] option[value='']")
        .await;
    browser
        .click("#filters [name='finding'] option[value='limit.bytes_not_characters']")
        .await;
    browser
        .wait_for_texts("#journal tbody tr.row", |rows| rows.len() == 1)
        .await;
    let label = "cozepy/0.20.0-with-a-long-build-tag · pat_mock";
    browser.click("#clear-filters").await;
    browser
        .click(&format!("#filters [name='client'] option[value='{label}']"))
        .await;
    let clients = browser
        .wait_for_texts("#journal tbody tr.row td:nth-child(2)", |c| c.len() == 1)
        .await;
    assert_eq!(clients, [label]);
    let report_clients = browser
        .wait_for_texts("#coverage .client h3", |c| c.len() == 1)
        .await;
    assert!(report_clients[0].starts_with(label), "{report_clients:?}");
    browser.click("#clear-filters").await;

    // Every column of every row, and an opened detail row, fit the panel.
    browser
        .wait_for_texts("#journal tbody tr.row", |rows| rows.len() == 5)
        .await;
    browser.click("#journal tr.row[data-id='5']").await;
    browser
        .wait_for_texts("#journal tr.detail", |d| d.len() == 1)
        .await;
    let layout = browser.run(CLIPPED_CELLS).await;
    assert_eq!(layout["window"], 1280, "{layout}");
    assert!(layout["cells"].as_u64().unwrap() > 50, "{layout}");
    assert_eq!(layout["clipped"], json!([]), "{layout}");
    assert!(
        layout["table"].as_u64() <= layout["panel"].as_u64(),
        "{layout}"
    );

    // The quoted rule (「长度限制为 128 字节」) is drawn with a CJK font, not empty boxes.
    browser
        .wait_for_texts("#coverage li[data-id='limit.bytes_not_characters']", |f| {
            !f.is_empty()
        })
        .await;
    let fonts = browser
        .fonts_of("#coverage li[data-id='limit.bytes_not_characters'] > .wrap")
        .await;
    assert!(
        fonts.iter().any(|f| f.contains("CJK")),
        "the Chinese in the rule needs a CJK font (fonts-noto-cjk): {fonts:?}"
    );

    let png = browser.screenshot().await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 1280, "a screenshot of the whole 1,280 px window");
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspector-1280.png");
    std::fs::write(&shot, &png).unwrap();
    println!("screenshot: {}", shot.display());
}
