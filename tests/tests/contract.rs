//! Contract tests: every operation of the spec against a loopback server that
//! checks the request and answers with the in-tree fixtures. The test bodies
//! are generated from the spec by `cargo xtask regen`.

mod support;

#[rustfmt::skip]
#[path = "contract/generated.rs"]
mod generated;

/// The runner's request checks fail when the client sends what the spec does
/// not say: each case runs a real call against a deliberately wrong `Expect`.
mod the_runner_catches {
    use fitbit_api::prelude::*;

    use crate::support::contract::{Body, Expect, run_json};

    /// The panic message of the future, or `None` when it completed.
    async fn failure(run: impl std::future::Future<Output = ()>) -> Option<String> {
        use futures::FutureExt as _;
        let payload = std::panic::AssertUnwindSafe(run).catch_unwind().await.err()?;
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
    }

    fn profile_expect(body: Body, declared_query: &'static [&'static str]) -> Expect {
        Expect {
            operation: "update_profile",
            method: "POST",
            path: "/1/user/-/profile.json",
            query: &[],
            declared_query,
            body,
            status: 200,
        }
    }

    async fn update_profile(expect: Expect) -> Option<String> {
        failure(run_json(expect, |client| async move {
            client
                .update_profile()
                .body(crate::support::contract::request_body::<fitbit_api::types::ProfileUpdate>(
                    "update_profile",
                ))
                .send()
                .await
        }))
        .await
    }

    #[tokio::test]
    async fn a_form_sent_where_json_or_nothing_is_expected() {
        assert_eq!(
            update_profile(profile_expect(Body::Form, &[])).await,
            None,
            "the right expectation passes"
        );
        let json = update_profile(profile_expect(Body::Json, &[])).await.expect("fails");
        assert!(json.contains("update_profile: Content-Type"), "{json}");
        let empty = update_profile(profile_expect(Body::Empty, &[])).await.expect("fails");
        assert!(empty.contains("the body stays empty"), "{empty}");
    }

    #[tokio::test]
    async fn an_undeclared_query_parameter() {
        let expect = Expect {
            operation: "create_activity_log",
            method: "POST",
            path: "/1/user/-/activities.json",
            query: &[],
            // `date` is sent but, here, not declared.
            declared_query: &["startTime", "durationMillis"],
            body: Body::Empty,
            status: 200,
        };
        let message = failure(run_json(expect, |client| async move {
            client
                .create_activity_log()
                .start_time("07:30")
                .duration_millis(1)
                .date("2024-01-31")
                .send()
                .await
        }))
        .await
        .expect("fails");
        assert!(
            message.contains("sent the query parameter `date`, which the spec does not declare"),
            "{message}"
        );
    }
}
