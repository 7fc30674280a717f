//! An exercise's TCX file as raw bytes (`?alt=media`), which Google's client
//! cannot ask for: it always decodes the JSON wrapper.

use std::time::Instant;

use bytes::Bytes;
use fitbit_auth::Error;
use google_cloud_gax::backoff_policy::BackoffPolicy as _;
use google_cloud_gax::error::Error as GaxError;
use google_cloud_gax::retry_policy::RetryPolicy as _;
use google_cloud_gax::retry_result::RetryResult;
use google_cloud_gax::retry_state::RetryState;

use crate::client::Client;
use crate::data_type::DataType;
use crate::error::classify_for;
use crate::names::DataPointName;

/// The longest TCX file accepted (a day-long GPS track is a few megabytes).
const MAX_TCX_BYTES: usize = 64 * 1024 * 1024;

impl Client {
    /// The TCX file (Training Center XML) of an `exercise` data point, as
    /// the server sends it (`GET {name}:exportExerciseTcx?alt=media`).
    ///
    /// Needs the activity and the location read scopes. `partial_data`
    /// asks for what exists of an exercise whose data is incomplete. The
    /// call is retried like any idempotent call (see
    /// [`RetryConfig`](crate::RetryConfig)).
    ///
    /// ```no_run
    /// # async fn run(client: fitbit_health::Client) -> Result<(), fitbit_auth::Error> {
    /// let name = "users/me/dataTypes/exercise/dataPoints/2026-03-01-run".parse().unwrap();
    /// let tcx = client.exercise_tcx(&name, false).await?;
    /// std::fs::write("run.tcx", &tcx).unwrap();
    /// # Ok(()) }
    /// ```
    pub async fn exercise_tcx(&self, name: &DataPointName, partial_data: bool) -> Result<Bytes, Error> {
        if name.data_type() != DataType::Exercise {
            return Err(Error::InvalidRequest(format!(
                "TCX exists only for exercise data points, not {name}"
            )));
        }
        let mut url = self.endpoint().clone();
        let path = format!("{}/v4/{name}:exportExerciseTcx", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.query_pairs_mut().append_pair("alt", "media");
        if partial_data {
            url.query_pairs_mut().append_pair("partialData", "true");
        }

        let tracker = self.credentials().tracker();
        let policy = self.retry_config().policy(tracker.clone());
        let backoff = self.retry_config().backoff_policy(tracker);
        let start = Instant::now();
        let mut attempt = 0_u32;
        loop {
            attempt += 1;
            let state = RetryState::new(true).set_start(start).set_attempt_count(attempt);
            match self.get_media(&url).await {
                Ok(body) => return Ok(body),
                Err(error) => match policy.on_error(&state, error) {
                    RetryResult::Continue(_) => tokio::time::sleep(backoff.on_failure(&state)).await,
                    RetryResult::Permanent(error) | RetryResult::Exhausted(error) => {
                        return Err(classify_for(&error, DataType::Exercise, false));
                    }
                },
            }
        }
    }

    /// One attempt, with its failure in the form the retry policy reads.
    async fn get_media(&self, url: &url::Url) -> Result<Bytes, GaxError> {
        let token = self.credentials().token().await.map_err(|err| {
            let transient = err.is_transient();
            GaxError::authentication(google_cloud_gax::error::CredentialsError::new(
                transient,
                "no access token",
                err,
            ))
        })?;
        let response = self
            .http()
            .get(url.clone())
            .header(http::header::AUTHORIZATION, token.bearer_header())
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_capped(response).await?;
        if status.is_success() {
            return Ok(body);
        }
        // As Google's client does: a Google error body becomes a status.
        Err(match google_cloud_gax::error::rpc::Status::try_from(&body) {
            Ok(rpc) => GaxError::service_with_http_metadata(rpc, Some(status.as_u16()), Some(headers)),
            Err(_) => GaxError::http(status.as_u16(), headers, body),
        })
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Bytes, GaxError> {
    if response.content_length().is_some_and(|len| len > MAX_TCX_BYTES as u64) {
        return Err(GaxError::deser(format!("the TCX file is larger than {MAX_TCX_BYTES} bytes")));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_TCX_BYTES {
            return Err(GaxError::deser(format!("the TCX file is larger than {MAX_TCX_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

fn transport_error(err: reqwest::Error) -> GaxError {
    if err.is_connect() {
        GaxError::connect(err)
    } else if err.is_timeout() {
        GaxError::timeout(err)
    } else {
        GaxError::io(err)
    }
}
