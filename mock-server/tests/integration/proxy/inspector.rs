//! The proxy's inspector page, its drift section, in a headless Chromium ([`Browser`]) at 1,280 px: a
//! proxy in front of the upstream that disagrees on purpose ([`super::disagreeing`]), and one in front
//! of a scripted upstream that drops a connection and answers too late ([`super::scripted`]). Ignored by
//! default (it needs the browser); `.ci/report` installs `chromium` and `chromium-driver` and runs it
//! with `--ignored`.

use std::time::Duration;

use coze_mock::__internals::proxy::drift::Outcome;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::upstream::Failure;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;
use serde_json::json;

use super::disagreeing::{proxy, upstream, ENTERPRISE};
use super::scripted::{answer, Act, Scripted};
use super::{exchange, report_after};
use crate::support::browser::Browser;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::{SYSTEM_VOICE, TOKEN};

/// The drift section's cells that are clipped: past the section's right edge, or holding more than they
/// show. Also the table's and the section's widths.
const CLIPPED_DRIFT_CELLS: &str = r##"
const section = document.getElementById("drift-section").getBoundingClientRect();
const clipped = [];
const cells = document.querySelectorAll("#drift-table th, #drift-table td, #drift-section li");
for (const c of cells) {
  const r = c.getBoundingClientRect();
  if (r.right > section.right + 0.5 || r.left < section.left - 0.5 || c.scrollWidth > c.clientWidth + 1) {
    clipped.push(c.textContent.slice(0, 60));
  }
}
return { clipped, cells: cells.length, table: document.getElementById("drift-table").scrollWidth,
         section: document.getElementById("drift-section").clientWidth, window: window.innerWidth };
"##;

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: .ci/report installs them and runs it"]
async fn at_1280_px_the_drift_section_shows_totals_divergences_with_their_rows_and_confirmations() {
    let upstream = upstream().await;
    // `refusals`: a clone the fake refuses reaches the upstream (which answers its error on HTTP 200),
    // the list always does, a speech the fake accepts stays with the shadow.
    let (proxy, api) = proxy(&upstream, Spend::Refusals).await;
    let refused = CloneForm::valid(ENTERPRISE)
        .without("voice_name")
        .send(&api)
        .await;
    assert_eq!((refused.status, refused.code()), (200, 4000));
    let list = api
        .list(
            ENTERPRISE,
            "filter_system_voice=true&page_num=1&page_size=10",
        )
        .await;
    let list_logid = list.header("x-tt-logid");
    let speech = api.speak_wav(ENTERPRISE, SYSTEM_VOICE, "你好").await;
    assert_eq!(speech.status, 200);
    assert_eq!(
        speech.header("x-coze-mock-proxy"),
        "not forwarded (--spend refusals)"
    );
    let report = report_after(&proxy, 3).await;

    let browser = Browser::start(1280).await;
    browser.goto(&format!("{}/__admin/", proxy.uri())).await;

    // The section shows once the page has read `/__admin/drift`.
    let totals = browser
        .wait_for_texts("#drift-totals", |t| t.len() == 1 && !t[0].is_empty())
        .await
        .remove(0);
    assert!(
        totals.contains(&format!("{} · --spend refusals", upstream.uri()))
            && totals.contains(
                "3 exchanges · 2 forwarded · 1 agreed · 1 diverged · 1 not forwarded · 0 not judged"
            ),
        "{totals}"
    );

    // The clone's divergence: its ledger row, the real value beside the fake's.
    let divergences = &super::exchange(&report, 1).divergences;
    assert!(!divergences.is_empty());
    let status = browser
        .wait_for_texts(
            "#drift-table tr[data-seq='1'][data-ledger='errors.status']",
            |r| !r.is_empty(),
        )
        .await;
    assert!(
        status
            .iter()
            .any(|r| r.contains("#1 POST /v1/audio/voices/clone")
                && r.contains(refused.header("x-tt-logid"))
                && r.ends_with("status 200 400 errors.status")),
        "{status:?}"
    );
    let rows = browser
        .wait_for_texts("#drift-table tr[data-seq='1']", |r| !r.is_empty())
        .await;
    assert_eq!(
        rows.len(),
        divergences.len(),
        "a row per divergence: {rows:?}"
    );

    // The agreeing list, with what it confirmed.
    let agreed = browser
        .text_of("#drift-table tr[data-seq='2'][data-outcome='agreed']")
        .await;
    assert!(
        agreed.contains(list_logid)
            && agreed.contains("agreed; confirms")
            && agreed.contains("logid.format"),
        "{agreed}"
    );

    // The speech the shadow answered alone, with its logid and why.
    let kept = browser
        .text_of("#drift-table tr[data-seq='3'][data-outcome='not_forwarded']")
        .await;
    assert!(
        kept.contains("#3 POST /v1/audio/speech")
            && kept.contains(speech.header("x-tt-logid"))
            && kept.ends_with("not forwarded: the fake accepts it (--spend refusals)"),
        "{kept}"
    );

    // The ledger rows the upstream contradicted and those it confirmed, each with the exchanges' logids.
    let contradicted = browser
        .wait_for_texts("#drift-contradicted li", |c| !c.is_empty())
        .await;
    assert_eq!(
        contradicted,
        [format!(
            "errors.status contradicted by 1 exchange(s): {}",
            refused.header("x-tt-logid")
        )]
    );
    let confirmed = browser
        .text_of("#drift-confirmed li[data-ledger='logid.format']")
        .await;
    assert!(
        confirmed.contains(list_logid) && confirmed.contains(refused.header("x-tt-logid")),
        "{confirmed}"
    );
    let confirmed_rows = browser
        .wait_for_texts("#drift-confirmed li", |c| !c.is_empty())
        .await;
    assert_eq!(confirmed_rows.len(), report.confirmed.len());

    // Nothing clipped at 1,280 px.
    let layout = browser.run(CLIPPED_DRIFT_CELLS).await;
    assert_eq!(layout["window"], 1280, "{layout}");
    assert!(layout["cells"].as_u64().unwrap() > 12, "{layout}");
    assert_eq!(layout["clipped"], json!([]), "{layout}");
    assert!(
        layout["table"].as_u64() <= layout["section"].as_u64(),
        "{layout}"
    );
    save_screenshot(&browser, "inspector-drift-1280.png").await;
}

/// Saves the page as `name` in the test target's scratch directory.
async fn save_screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await;
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&shot, &png).unwrap();
    println!("screenshot: {}", shot.display());
}

/// The logid of the scripted upstream's diverging answer.
const DIVERGING_LOGID: &str = "20261205110819336EF6BF6FE93DD4B646";

/// The upstream drops the first page's connection, answers the second after 5 s, and the third at once
/// without the list (a divergence).
fn failing_upstream(line: &str) -> Act {
    if line.contains("page_num=1&") {
        Act::Close
    } else if line.contains("page_num=2&") {
        Act::Slow(
            Duration::from_secs(5),
            answer("200 OK", &[("Content-Type", "application/json")], b"{}"),
        )
    } else {
        Act::Answer(answer(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("X-Tt-Logid", DIVERGING_LOGID),
            ],
            br#"{"code":0,"msg":""}"#,
        ))
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: .ci/report installs them and runs it"]
async fn at_1280_px_the_drift_section_shows_upstream_failures_with_kind_and_cause_apart_from_divergences(
) {
    let upstream = Scripted::start(failing_upstream).await;
    let mut settings = ProxySettings::new(&upstream.url, Spend::None);
    settings.upstream_timeout = Duration::from_millis(300);
    let proxy = ProxyServer::start(&Config::default(), settings)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    for page in 1..=3 {
        let sent = client
            .get(format!(
                "{}/v1/audio/voices?page_num={page}&page_size=10",
                proxy.uri()
            ))
            .bearer_auth(TOKEN)
            .send()
            .await;
        let whole = match sent {
            Ok(response) => response.bytes().await.is_ok(),
            Err(_) => false,
        };
        assert_eq!(whole, page == 3, "page {page}: only the third is answered");
    }
    let report = report_after(&proxy, 3).await;
    let outcome = |seq| {
        let e = exchange(&report, seq);
        (e.outcome, e.failure)
    };
    assert_eq!(
        [outcome(1), outcome(2), outcome(3)],
        [
            (Outcome::UpstreamFailed, Some(Failure::Dropped)),
            (Outcome::UpstreamFailed, Some(Failure::Timeout)),
            (Outcome::Diverged, None),
        ],
        "{report:#?}"
    );

    let browser = Browser::start(1280).await;
    browser.goto(&format!("{}/__admin/", proxy.uri())).await;

    // The failures are counted apart from the divergence.
    let totals = browser
        .wait_for_texts("#drift-totals", |t| t.len() == 1 && !t[0].is_empty())
        .await
        .remove(0);
    assert_eq!(
        totals,
        format!(
            "{} · --spend none · 3 exchanges · 3 forwarded · 0 agreed · 1 diverged · 0 not forwarded · 0 not judged · 2 upstream failures",
            upstream.url
        )
    );

    // Each failure: one row with its kind and its cause, and no divergence row.
    for (seq, kind) in [(1, "dropped"), (2, "timeout")] {
        let rows = browser
            .wait_for_texts(&format!("#drift-table tr[data-seq='{seq}']"), |r| {
                !r.is_empty()
            })
            .await;
        let cause = exchange(&report, seq).note.clone().unwrap_or_default();
        assert!(!cause.is_empty(), "#{seq} has a cause: {report:#?}");
        assert_eq!(
            rows,
            [format!(
                "#{seq} GET /v1/audio/voices upstream failure ({kind}): {cause}"
            )],
            "#{seq}"
        );
        let outcome = browser
            .run(&format!(
                "return document.querySelector(\"#drift-table tr[data-seq='{seq}']\").dataset.outcome;"
            ))
            .await;
        assert_eq!(outcome, "upstream_failed");
    }
    // The divergence keeps its rows.
    let diverged = browser
        .wait_for_texts(
            "#drift-table tr[data-seq='3'][data-outcome='diverged']",
            |r| !r.is_empty(),
        )
        .await;
    assert_eq!(diverged.len(), exchange(&report, 3).divergences.len());
    // The failures are no evidence: only the divergence contradicts a ledger row.
    let contradicted = browser
        .wait_for_texts("#drift-contradicted li", |c| !c.is_empty())
        .await;
    assert_eq!(contradicted.len(), report.contradicted.len());
    for row in &contradicted {
        assert!(
            row.ends_with(&format!("contradicted by 1 exchange(s): {DIVERGING_LOGID}")),
            "{contradicted:?}"
        );
    }

    // Nothing clipped at 1,280 px, the failures' causes included.
    let layout = browser.run(CLIPPED_DRIFT_CELLS).await;
    assert_eq!(layout["window"], 1280, "{layout}");
    assert_eq!(layout["clipped"], json!([]), "{layout}");
    assert!(
        layout["table"].as_u64() <= layout["section"].as_u64(),
        "{layout}"
    );
    save_screenshot(&browser, "inspector-drift-failures-1280.png").await;
}
