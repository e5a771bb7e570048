//! Signing keys: make sure each algorithm has an active key, rotate, list.

use latchkey_core::Occurrence;
use latchkey_core::crypto::Secrets;
use latchkey_core::keys::{Alg, KeyRecord, KeySet, KeyState, generate};
use latchkey_core::store::Store;
use serde_json::Value;

/// How long a retired key stays published: the longest lifetime of a token
/// it may have signed, plus a margin for clock skew and JWKS caches.
pub fn publication_window(access_token_ttl: i64) -> i64 {
    const ID_TOKEN_TTL: i64 = 3600;
    const MARGIN: i64 = 300;
    access_token_ttl.max(ID_TOKEN_TTL).saturating_add(MARGIN)
}

/// Create an active key for every algorithm that has none (first start).
pub async fn ensure(store: &dyn Store, secrets: &Secrets) -> Result<Vec<KeyRecord>, Occurrence> {
    let mut keys = store.list_keys().await?;
    for alg in Alg::ALL {
        let has_active = keys
            .iter()
            .any(|k| k.state == KeyState::Active && k.alg == alg.as_str());
        if !has_active {
            let record = generate(*alg, secrets, latchkey_core::now_unix())?;
            store.insert_key(&record).await?;
            tracing::info!(kid = %record.kid, alg = alg.as_str(), "generated signing key");
            keys.insert(0, record);
        }
    }
    Ok(keys)
}

/// Load the usable key set.
pub async fn load(store: &dyn Store, secrets: &Secrets) -> Result<KeySet, Occurrence> {
    let records = ensure(store, secrets).await?;
    Ok(KeySet::from_records(
        &records,
        secrets,
        latchkey_core::now_unix(),
    )?)
}

/// Add a new active key for each of `algs`; the previous ones stay
/// published for [`publication_window`].
pub async fn rotate(
    store: &dyn Store,
    secrets: &Secrets,
    algs: &[Alg],
    access_token_ttl: i64,
) -> Result<Vec<KeyRecord>, Occurrence> {
    let now = latchkey_core::now_unix();
    let mut out = Vec::new();
    for alg in algs {
        let record = generate(*alg, secrets, now)?;
        store
            .rotate_key(&record, now, now + publication_window(access_token_ttl))
            .await?;
        out.push(record);
    }
    Ok(out)
}

/// A signing key as the admin API shows it (never the private key).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = SigningKey)]
pub struct KeyView {
    pub kid: String,
    #[schema(example = "RS256")]
    pub alg: String,
    pub state: State,
    /// Whether the JWKS lists it now.
    pub published: bool,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// A retired key is published until then.
    pub publish_until: Option<i64>,
}

/// `active`: it signs; `retired`: published for a while, signs no more.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SigningKeyState)]
pub enum State {
    Active,
    Retired,
}

impl From<KeyState> for State {
    fn from(state: KeyState) -> State {
        match state {
            KeyState::Active => State::Active,
            KeyState::Retired => State::Retired,
        }
    }
}

/// The answer to a rotation: the new keys.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RotatedKeys {
    pub rotated: Vec<KeyView>,
}

pub fn key_view(key: &KeyRecord, now: i64) -> KeyView {
    KeyView {
        kid: key.kid.clone(),
        alg: key.alg.clone(),
        state: key.state.into(),
        published: key.is_published(now),
        created_at: key.created_at,
        retired_at: key.retired_at,
        publish_until: key.publish_until,
    }
}

pub fn view(key: &KeyRecord, now: i64) -> Value {
    serde_json::to_value(key_view(key, now)).unwrap_or_default()
}

/// The answer to a rotation, as JSON.
pub fn rotated(new: &[KeyRecord], now: i64) -> Value {
    let answer = RotatedKeys {
        rotated: new.iter().map(|k| key_view(k, now)).collect(),
    };
    serde_json::to_value(answer).unwrap_or_default()
}

pub async fn list(store: &dyn Store) -> Result<Value, Occurrence> {
    let now = latchkey_core::now_unix();
    Ok(Value::Array(
        store
            .list_keys()
            .await?
            .iter()
            .map(|k| view(k, now))
            .collect(),
    ))
}

/// The algorithms a rotation names: `all` (or nothing), or one of them.
pub fn algorithms(alg: Option<&str>) -> Result<Vec<Alg>, Occurrence> {
    match alg.map(str::trim) {
        None | Some("" | "all") => Ok(Alg::ALL.to_vec()),
        Some(one) => Alg::parse(one).map(|a| vec![a]).ok_or_else(|| {
            latchkey_core::catalogue::MALFORMED_BODY
                .with_detail(format!("no signing algorithm named {one:?}"))
                .field("alg", "all, or one of ES256 and RS256")
        }),
    }
}

/// The optional body of `POST /admin/v1/keys/rotate`: `{"alg": "ES256"}`
/// rotates one algorithm, `{}` or no body every one. No other member.
pub fn algorithms_from_body(body: &Value) -> Result<Vec<Alg>, Occurrence> {
    use latchkey_core::catalogue::MALFORMED_BODY;
    let Value::Object(map) = body else {
        return Err(MALFORMED_BODY.with_detail("the body must be a JSON object"));
    };
    if let Some(other) = map.keys().find(|k| k.as_str() != "alg") {
        return Err(MALFORMED_BODY
            .with_detail(format!("{other} is not a field of a key rotation"))
            .field(other, "not a field of a key rotation (only alg)"));
    }
    match map.get("alg") {
        None | Some(Value::Null) => algorithms(None),
        Some(Value::String(alg)) => algorithms(Some(alg)),
        Some(_) => Err(MALFORMED_BODY
            .with_detail("alg must be a string")
            .field("alg", "all, or one of ES256 and RS256")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rotation_names_every_algorithm_or_one() {
        assert_eq!(algorithms(Some("all")).unwrap(), Alg::ALL);
        assert_eq!(algorithms(None).unwrap(), Alg::ALL);
        assert_eq!(algorithms(Some("RS256")).unwrap(), [Alg::Rs256]);
        assert!(algorithms(Some("HS256")).is_err());
        assert_eq!(algorithms_from_body(&json!({})).unwrap(), Alg::ALL);
        assert_eq!(
            algorithms_from_body(&json!({"alg": "ES256"})).unwrap(),
            [Alg::Es256]
        );
        for refused in [
            json!({"alg": 1}),
            json!({"kid": "x"}),
            json!([]),
            json!({"alg": "none"}),
        ] {
            let occ = algorithms_from_body(&refused).unwrap_err();
            assert_eq!(occ.cause.id, "malformed_body", "{refused}");
        }
    }
}
