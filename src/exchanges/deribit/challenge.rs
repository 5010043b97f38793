//! Deribit's security-key challenge, answered with the caller's [`SecondFactor`].
//!
//! Where the account has two-factor authentication, Deribit answers a key-management call
//! (`create_api_key`, `edit_api_key`, `list_api_keys`, …) not with its result but with a
//! challenge: a successful answer whose `result` holds `security_key_authorization_required:
//! true`, the `security_keys` it accepts (`tfa`: a TOTP code), an `rp_id` and a `challenge`
//! string valid for one minute. Deribit returns it "instead of executing the operation": the call
//! was not carried out. The client then sends the original request again with
//! `authorization_data` (the code) and `challenge`; on any error it starts over
//! (<https://docs.deribit.com/articles/security-keys>).
//!
//! [`call`] does that once. Without a [`SecondFactor`] the challenge is the error it has always
//! been ([`crate::AuthReason::SecondFactorRequired`]). With one, the answerer gets a
//! [`Challenge`] and its code goes out with the same request, once: a refused code (13668,
//! 12000, 12999), or a second challenge, is an error, never a loop, and 12998 (too many failed
//! answers) is a rate limit. The code is scrubbed from every error of the answered call.
//!
//! Each challenged call needs its own code: Deribit refuses a code used before (12999
//! `tfa_used`), so an answerer that generates TOTP codes waits for the next 30-second step when
//! one operation makes two challenged calls (creating a key is `create_api_key`, then
//! `edit_api_key` for its allowlist).

use secrecy::ExposeSecret;
use serde_json::Value;

use super::{form, Deribit, SECOND_FACTOR};
use crate::adapter::{Challenge, ChallengeMethod, Operation};
use crate::error::{AuthReason, Error, ErrorCode, ErrorContext, Result};
use crate::exchanges::common::loose_flag;
use crate::exchanges::venue::VenueAdapter;
use crate::exchanges::{Environment, ExchangeId};
use crate::transport::pipeline::{Conventions, Endpoint};
use crate::transport::scrub::Scrubber;
use crate::transport::signing::SigningKey;
use crate::transport::Request;

/// Deribit's conventions, except that the security-key challenge is read as the payload it is
/// (a successful answer), for [`call`] to answer. Every other answer reads as Deribit's.
struct Answering;

impl Conventions for Answering {
    fn exchange(&self) -> ExchangeId {
        Deribit.exchange()
    }

    fn sign(
        &self,
        request: &mut Request,
        key: &SigningKey,
        environment: Environment,
        now_ms: i64,
    ) -> Result<()> {
        Deribit.sign(request, key, environment, now_ms)
    }

    fn error_in(&self, payload: &Value) -> Option<(String, String)> {
        super::rpc_error(payload)
    }

    fn error_codes(&self) -> &'static [ErrorCode] {
        Deribit.error_codes()
    }

    fn unwrap_payload(&self, payload: Value) -> std::result::Result<Value, String> {
        Deribit.unwrap_payload(payload)
    }

    fn server_time(&self) -> Option<Endpoint> {
        Deribit.server_time()
    }

    fn server_time_ms(&self, payload: &Value) -> Option<i64> {
        Deribit.server_time_ms(payload)
    }

    fn request_id_headers(&self) -> &'static [&'static str] {
        Deribit.request_id_headers()
    }
}

/// Whether an (unwrapped) answer is the security-key challenge.
fn is_challenge(result: &Value) -> bool {
    result
        .get("security_key_authorization_required")
        .and_then(loose_flag)
        == Some(true)
}

/// The `(type, name)` of each security key a challenge accepts.
fn security_keys(result: &Value) -> Vec<(String, String)> {
    result
        .get("security_keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|key| {
                    let kind = key.get("type").and_then(Value::as_str)?;
                    let name = key.get("name").and_then(Value::as_str).unwrap_or(kind);
                    Some((kind.to_owned(), name.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The code and message this crate gives the challenge of a call that does not answer it (the
/// error Deribit's own conventions find in it; [`Answering`] finds none).
pub(super) fn unanswered(envelope: &Value) -> Option<(String, String)> {
    let result = envelope.get("result")?;
    if !is_challenge(result) {
        return None;
    }
    let factors: Vec<String> = security_keys(result)
        .into_iter()
        .map(|(kind, _)| match kind.as_str() {
            "tfa" => "a TOTP code of the account's two-factor authentication".to_owned(),
            other => format!("a `{other}` security key"),
        })
        .collect();
    let asked = if factors.is_empty() {
        "the account's second factor".to_owned()
    } else {
        factors.join(" or ")
    };
    Some((
        SECOND_FACTOR.to_owned(),
        format!(
            "Deribit asks for {asked} before carrying out the call, which must then be sent again within a minute with `authorization_data` (the code) and the challenge: key management answers it with a SecondFactor given to the adapter (AdapterBuilder::second_factor); without one, manage the keys of this account on deribit.com"
        ),
    ))
}

/// What a challenge asks for, read from its answer.
struct Asked {
    method: ChallengeMethod,
    /// The security key's name, as Deribit lists it.
    name: String,
    rp_id: Option<String>,
    /// The string to send back with the code.
    challenge: String,
}

impl Asked {
    /// The challenge in `result`: a TOTP code where Deribit accepts one (`tfa`), else the first
    /// kind of security key it names. `None` when it sends no challenge string to answer with.
    fn read(result: &Value) -> Option<Asked> {
        let challenge = result
            .get("challenge")
            .and_then(Value::as_str)
            .filter(|text| !text.trim().is_empty())?;
        let keys = security_keys(result);
        let (method, name) = match keys
            .iter()
            .find(|(kind, _)| kind.eq_ignore_ascii_case("tfa"))
        {
            Some((_, name)) => (ChallengeMethod::Totp, shown(name)),
            None => match keys.first() {
                Some((kind, name)) => (ChallengeMethod::Other(shown(kind)), shown(name)),
                None => (ChallengeMethod::Other("unnamed".to_owned()), String::new()),
            },
        };
        Some(Asked {
            method,
            name,
            rp_id: result.get("rp_id").and_then(Value::as_str).map(shown),
            challenge: challenge.to_owned(),
        })
    }

    /// What a person (or the answerer) reads: what is asked, for which call. A TOTP prompt
    /// leaves the challenge string out, as a code does not depend on it; a hardware key's
    /// answer does, so its prompt names the relying party and the challenge.
    fn prompt(&self, endpoint: &Endpoint, operation: Operation) -> String {
        let call = endpoint.path.trim_start_matches("/api/v2/");
        let named = if self.name.is_empty() {
            String::new()
        } else {
            format!(" (`{}`)", self.name)
        };
        match &self.method {
            ChallengeMethod::Totp => format!(
                "Deribit asks for the current TOTP code of the account's two-factor authentication{named} to carry out `{call}` ({operation}); the challenge expires in a minute"
            ),
            method => {
                let kind = match method {
                    ChallengeMethod::Other(kind) => kind.as_str(),
                    _ => "security key",
                };
                format!(
                    "Deribit asks for the account's `{kind}` security key{named} to carry out `{call}` ({operation}): relying party `{}`, challenge `{}`, valid for a minute",
                    self.rp_id.as_deref().unwrap_or("not given"),
                    shown(&self.challenge)
                )
            }
        }
    }
}

/// The longest text of the exchange's a prompt repeats (Deribit's challenge is 44 characters).
const SHOWN_MAX: usize = 128;

/// Text of the exchange's as a prompt shows it to a person: no control characters (escape
/// sequences would rewrite the terminal), and cut short.
fn shown(text: &str) -> String {
    let printable: String = text.chars().filter(|c| !c.is_control()).collect();
    let length = printable.chars().count();
    if length <= SHOWN_MAX {
        return printable;
    }
    let kept: String = printable.chars().take(SHOWN_MAX).collect();
    format!("{kept}… ({length} characters)")
}

/// The codes with which Deribit refuses an answered challenge.
const REFUSED: [&str; 4] = ["13668", "12000", "12999", "13003"];

/// Sends a key-management call with `params`, answering Deribit's security-key challenge once
/// with the adapter's [`SecondFactor`](crate::SecondFactor), if it has one, for `operation`.
pub(super) async fn call(
    adapter: &VenueAdapter,
    endpoint: &Endpoint,
    operation: Operation,
    params: &[(&str, &str)],
) -> Result<(Value, ErrorContext)> {
    let query = form(params);
    let Some(answerer) = adapter.second_factor() else {
        // Deribit's conventions: a challenge is the SecondFactorRequired error it always was.
        return adapter.call(endpoint, query, String::new()).await;
    };
    let (payload, context) = adapter
        .call_as(&Answering, endpoint, query, String::new())
        .await?;
    if !is_challenge(&payload) {
        return Ok((payload, context));
    }
    let Some(asked) = Asked::read(&payload) else {
        return Err(Error::AuthRejected {
            reason: AuthReason::SecondFactorRequired,
            context: Box::new(ErrorContext {
                code: Some(SECOND_FACTOR.to_owned()),
                message: Some(
                    "Deribit asks for the account's second factor but sends no challenge to answer: nothing was carried out; manage the keys of this account on deribit.com".to_owned(),
                ),
                ..context
            }),
        });
    };
    let challenge = Challenge::new(
        ExchangeId::Deribit,
        operation,
        asked.method.clone(),
        asked.prompt(endpoint, operation),
    );
    let answer = answerer.answer(&challenge).await?;
    let code = answer.expose_secret().trim();
    if code.is_empty() {
        return Err(Error::config(
            ExchangeId::Deribit,
            "the SecondFactor answered Deribit's challenge with an empty code: nothing was sent again, nothing was carried out",
        ));
    }
    // Sending the same request again is safe, and is not a retry: Deribit answered the first one
    // with the challenge "instead of executing the operation", so nothing was carried out yet.
    // It goes out once, with Deribit's own conventions: a second challenge, like a refused
    // code, is an error, never another round.
    let mut answered = params.to_vec();
    answered.push(("authorization_data", code));
    answered.push(("challenge", &asked.challenge));
    let outcome = adapter.call(endpoint, form(&answered), String::new()).await;
    outcome.map_err(|mut error| {
        explain_refusal(&mut error);
        // The code was in the request: it is in no error, whatever the exchange echoed.
        Scrubber::new([code]).error(&mut error);
        error
    })
}

/// Says what a refusal of the answered call means.
fn explain_refusal(error: &mut Error) {
    let Some(code) = error.context().and_then(|c| c.code.clone()) else {
        return;
    };
    if code == SECOND_FACTOR {
        if let Some(context) = error.context_mut() {
            context.message = Some(
                "Deribit asked for the second factor again after the code was sent: nothing was carried out".to_owned(),
            );
        }
    } else if REFUSED.contains(&code.as_str()) {
        error.add_to_message(
            "the code answered was refused and nothing was carried out; calling again gets a new challenge and needs a new code",
        );
    } else if code == "12998" {
        error.add_to_message(
            "too many refused codes: Deribit takes no answer to its challenges for a while",
        );
    }
}
