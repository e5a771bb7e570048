//! Step-up at a resource (RFC 9470): the caller of /userinfo may ask that
//! the user's sign-in behind the token meet `acr_values` and be no older
//! than `max_age`; otherwise `insufficient_user_authentication`, whose
//! challenge repeats what was asked so the client can sign the user in
//! again with it. Introspection reports `acr` and `auth_time` for
//! resources that decide for themselves (§6.2).

use super::access::AccessClaims;
use crate::Occurrence;
use crate::catalogue::{STEP_UP_ACR_NOT_MET, STEP_UP_DEMAND_MALFORMED, STEP_UP_TOO_OLD};
use crate::vtr::Vector;

/// What the caller asked of the sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demand {
    /// Space-separated; any one will do.
    pub acr_values: Option<String>,
    pub max_age: Option<i64>,
}

impl Demand {
    /// Read from the request's `acr_values` and `max_age` (absent: no
    /// demand).
    pub fn read(acr_values: Option<&str>, max_age: Option<&str>) -> Result<Demand, Occurrence> {
        let acr_values = match acr_values.map(str::trim) {
            Some("") => {
                return Err(STEP_UP_DEMAND_MALFORMED.with_detail("acr_values is empty"));
            }
            other => other.map(str::to_string),
        };
        let max_age = max_age
            .map(|v| {
                v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    STEP_UP_DEMAND_MALFORMED
                        .with_detail("max_age must be a whole number of seconds, 0 or more")
                })
            })
            .transpose()?;
        Ok(Demand {
            acr_values,
            max_age,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.acr_values.is_none() && self.max_age.is_none()
    }

    /// Whether the token's sign-in meets the demand at `now`.
    pub fn check(&self, claims: &AccessClaims, now: i64) -> Result<(), Occurrence> {
        if let Some(wanted) = &self.acr_values {
            let had = claims.acr.as_deref();
            if !wanted
                .split(' ')
                .filter(|w| !w.is_empty())
                .any(|w| meets(had, w))
            {
                return Err(self.challenged(STEP_UP_ACR_NOT_MET.with_detail(format!(
                    "asked for {wanted}; the token's sign-in achieved {}",
                    had.unwrap_or("no acr (no user sign-in)")
                ))));
            }
        }
        if let Some(max_age) = self.max_age {
            match claims.auth_time {
                Some(at) if now - at <= max_age => {}
                Some(at) => {
                    return Err(self.challenged(STEP_UP_TOO_OLD.with_detail(format!(
                        "the user signed in {} s ago; max_age is {max_age} s",
                        now - at
                    ))));
                }
                None => {
                    return Err(self.challenged(
                        STEP_UP_TOO_OLD
                            .with_detail("the token carries no auth_time (no user sign-in)"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The refusal's challenge repeats what was asked (RFC 9470 §3), so
    /// the client can ask /authorize for it.
    fn challenged(&self, mut occ: Occurrence) -> Occurrence {
        if let Some(acr) = &self.acr_values {
            occ = occ.challenge_param("acr_values", crate::error::render::quoted(acr));
        }
        if let Some(max_age) = self.max_age {
            occ = occ.challenge_param("max_age", max_age.to_string());
        }
        occ
    }
}

/// `had` meets `wanted`: the same value, or vectors of trust where `had`
/// is at least as strong (`Cl.Cm` meets `Cl`).
fn meets(had: Option<&str>, wanted: &str) -> bool {
    let Some(had) = had else {
        return false;
    };
    if had == wanted {
        return true;
    }
    match (Vector::parse(had), Vector::parse(wanted)) {
        (Ok(h), Ok(w)) => h.satisfies(&w),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn token(acr: Option<&str>, auth_time: Option<i64>) -> AccessClaims {
        AccessClaims {
            iss: "https://id.example".into(),
            sub: "alice".into(),
            aud: "https://id.example".into(),
            client_id: "web".into(),
            scope: "openid".into(),
            iat: 1000,
            exp: 2000,
            jti: "j".into(),
            auth_time,
            acr: acr.map(str::to_string),
            amr: None,
            grant_id: None,
            act: None,
            userinfo_claims: None,
            sub_sealed: None,
            cnf: None,
        }
    }

    #[test]
    fn vectors_meet_weaker_ones_and_values_match_exactly() {
        let demand = |acr: &str| Demand::read(Some(acr), None).unwrap();
        let cm = token(Some("Cl.Cm"), Some(900));
        assert!(demand("Cl").check(&cm, 1000).is_ok());
        assert!(demand("Cl.Cm").check(&cm, 1000).is_ok());
        assert!(demand("Cl.Cm.P2 Cl.Cm").check(&cm, 1000).is_ok());
        let err = demand("Cl.Cm.P1").check(&cm, 1000).unwrap_err();
        assert!(err.is(&STEP_UP_ACR_NOT_MET));
        assert_eq!(
            err.challenge,
            vec![("acr_values", "\"Cl.Cm.P1\"".to_string())]
        );
        let cl = token(Some("Cl"), Some(900));
        assert!(demand("Cl.Cm").check(&cl, 1000).is_err());
        assert!(
            demand("urn:other")
                .check(&token(Some("urn:other"), None), 0)
                .is_ok()
        );
        assert!(demand("Cl").check(&token(None, None), 0).is_err());
    }

    #[test]
    fn max_age_counts_from_the_sign_in() {
        let t = token(Some("Cl"), Some(900));
        let max_age = |v: &str| Demand::read(None, Some(v)).unwrap();
        assert!(max_age("100").check(&t, 1000).is_ok());
        let err = max_age("99").check(&t, 1000).unwrap_err();
        assert!(err.is(&STEP_UP_TOO_OLD), "{err}");
        assert!(max_age("0").check(&token(Some("Cl"), None), 0).is_err());
        for bad in ["-1", "x", "1.5"] {
            let err = Demand::read(None, Some(bad)).unwrap_err();
            assert!(err.is(&STEP_UP_DEMAND_MALFORMED), "{bad}");
        }
        assert!(Demand::read(Some(" "), None).is_err());
        assert!(Demand::read(None, None).unwrap().is_empty());
    }
}
