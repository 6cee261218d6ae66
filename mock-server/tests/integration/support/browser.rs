//! A headless Chromium for the tests of the inspector page: Debian's `chromium`, driven by `chromedriver`
//! over plain W3C WebDriver HTTP calls. `CHROMEDRIVER` and `CHROMIUM` override the binaries' paths.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::binary::Reaped;

/// The W3C WebDriver key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long the page may take to show what the test waits for; the page refreshes every 2 s.
pub(crate) const PATIENCE: Duration = Duration::from_secs(30);

/// A headless Chromium session, its chromedriver stopped when dropped.
pub(crate) struct Browser {
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
    pub(crate) async fn start(width: u32) -> Browser {
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

    pub(crate) async fn goto(&self, url: &str) {
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
    pub(crate) async fn texts(&self, css: &str) -> Vec<String> {
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
    pub(crate) async fn click(&self, css: &str) {
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

    pub(crate) async fn clear_and_type(&self, element: &str, text: &str) {
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
    pub(crate) async fn wait_for_texts(
        &self,
        css: &str,
        until: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
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
    pub(crate) async fn one(&self, css: &str) -> String {
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
    pub(crate) async fn run(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// The page's current URL.
    pub(crate) async fn url(&self) -> String {
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
    pub(crate) async fn fonts_of(&self, css: &str) -> Vec<String> {
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
    pub(crate) async fn screenshot(&self) -> Vec<u8> {
        let encoded = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        base64_decode(encoded.as_str().expect("base64 PNG"))
    }

    /// The text of the one element `css` selects.
    pub(crate) async fn text_of(&self, css: &str) -> String {
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
