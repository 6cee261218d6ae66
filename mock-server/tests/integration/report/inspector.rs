//! The inspector page as a person uses it, in a headless Chromium ([`Browser`]). Ignored by default (it
//! needs the browser); `.ci/report` installs `chromium` and `chromium-driver` and runs it with `--ignored`.

use std::time::{Duration, Instant};

use coze_mock::MockServer;
use serde_json::{json, Value};

use crate::support::api::Api;
use crate::support::browser::{Browser, PATIENCE};
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;
use crate::support::wav::wav_of_len;

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
