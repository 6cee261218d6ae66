//! The proxy's inspector page, its drift section, in a headless Chromium ([`Browser`]) at 1,280 px: a
//! proxy in front of the upstream that disagrees on purpose ([`super::disagreeing`]). Ignored by default
//! (it needs the browser); `.ci/report` installs `chromium` and `chromium-driver` and runs it with
//! `--ignored`.

use coze_mock::__internals::proxy::spend::Spend;
use serde_json::json;

use super::disagreeing::{proxy, upstream, ENTERPRISE};
use super::report_after;
use crate::support::browser::Browser;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::SYSTEM_VOICE;

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
    let png = browser.screenshot().await;
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspector-drift-1280.png");
    std::fs::write(&shot, &png).unwrap();
    println!("screenshot: {}", shot.display());
}
