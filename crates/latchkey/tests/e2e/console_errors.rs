//! The console's errors (`/admin/errors`) in Chromium: an occurrence found
//! by the `error_id` a refused request answered with, shown with
//! everything the admin API shows and its cause linked to the docs; the
//! counts by code and cause as a table and an SVG chart, over a day and a
//! week. On both databases; screenshots at 1280 and 390 px wide.

use crate::browser::Driver;
use crate::console::{PASSWORD, console_sign_in, create_user};
use crate::support::{Db, Server};
use serde_json::Value;

/// A refused `/token` request; its answer.
async fn refused(s: &Server) -> Value {
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    r.json().await.unwrap()
}

async fn errors_in_chromium(db: Db) {
    let s = Server::start(db).await;
    create_user(&s, "ada", &["admin"]);
    let answers = [refused(&s).await, refused(&s).await];
    let error_id = answers[1]["error_id"].as_str().unwrap().to_string();
    let error_uri = answers[1]["error_uri"].as_str().unwrap().to_string();
    let cause = error_uri.rsplit_once('#').unwrap().1.to_string();
    let kept = s.kept_error(&error_id).await;
    assert_eq!(kept["error_id"], error_id.as_str());

    let d = Driver::start().await;
    console_sign_in(&d, &s, "ada", PASSWORD).await;
    d.goto(&s.url("/admin/errors")).await;
    d.wait_for_text("Find an occurrence").await;
    d.type_into("#error_id", &error_id).await;
    d.click("form[role=search] button").await;
    let page = d.wait_for_text("id=\"occurrence\"").await;
    for field in ["error_id", "cause", "error", "endpoint"] {
        let value = kept[field].as_str().unwrap();
        assert!(page.contains(value), "{field} {value}");
    }
    let description = d
        .script("return document.querySelector('#occurrence').textContent;")
        .await;
    assert!(
        description
            .as_str()
            .unwrap()
            .contains(kept["error_description"].as_str().unwrap()),
        "{description}"
    );
    assert!(
        page.contains(&format!("href=\"{error_uri}\"")),
        "{error_uri}"
    );

    // The counts: the table and the chart agree with what was refused.
    let total = d
        .script("return document.getElementById('errors-total').textContent;")
        .await;
    let total: i64 = total.as_str().unwrap().parse().unwrap();
    assert!(total >= 2, "{total}");
    let row = d
        .script(&format!(
            "return [...document.querySelectorAll('#error-counts tbody tr')].find(r => r.textContent.includes('{cause}')).children[2].textContent;"
        ))
        .await;
    assert_eq!(row, "2");
    let chart = d
        .script("const s = document.getElementById('error-chart'); return [s.getAttribute('role'), s.querySelector('title').textContent, s.querySelectorAll('rect').length];")
        .await;
    assert_eq!(chart[0], "img");
    assert!(chart[1].as_str().unwrap().contains("Errors over time"));
    assert!(chart[2].as_i64().unwrap() >= 1, "{chart}");
    d.check_page("console-errors").await;
    d.script("document.getElementById('counts-h').scrollIntoView(); return true;")
        .await;
    d.screenshot("console-errors-chart-1000.png").await;

    d.click("#span-switch").await;
    d.wait_for_text("the last 7 days, by day").await;
    let week_total = d
        .script("return document.getElementById('errors-total').textContent;")
        .await;
    assert!(week_total.as_str().unwrap().parse::<i64>().unwrap() >= total);
    d.check_page("console-errors-week").await;

    d.goto(&s.url("/admin/errors?error_id=no-such-id")).await;
    d.wait_for_text("No occurrence with error_id").await;
}

crate::both!(errors_in_chromium);
