//! Vectors of trust (RFC 8485) in the profile GOV.UK One Login uses.
//!
//! A vector is dot-separated components, each a letter (the category) and a
//! value. Latchkey offers two categories:
//! - credentials: `Cl` (a password) and `Cl.Cm` (a password and a second
//!   factor, TOTP or a passkey here); a passkey with user verification
//!   satisfies `Cl.Cm` on its own;
//! - identity confidence: `P0` to `P2`, an attribute of the user that an
//!   operator records once the identity is proven.
//!
//! `vtr` is a JSON array of vectors; any one of them satisfies the request,
//! the first that the sign-in meets is the one achieved (`vot`). The same
//! strings are the `acr` values Latchkey issues and accepts.

use crate::Occurrence;
use crate::catalogue::{VTR_MALFORMED, VTR_NOT_VALID, VTR_UNSUPPORTED};
use serde::{Deserialize, Serialize};

/// The identity confidence levels offered (`P0` .. `P2`).
pub const MAX_IDENTITY: u8 = 2;
/// Vectors a request may list at most.
const MAX_VECTORS: usize = 10;

/// One vector of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vector {
    /// `Cm`: a second factor on top of the password.
    pub second_factor: bool,
    /// `Pn`, when the vector names an identity level at all.
    pub identity: Option<u8>,
}

/// `Cl`: a password only.
pub const CL: Vector = Vector {
    second_factor: false,
    identity: None,
};
/// `Cl.Cm`: password and second factor.
pub const CL_CM: Vector = Vector {
    second_factor: true,
    identity: None,
};

/// The vectors discovery advertises (`vtr_values_supported`, `acr_values_supported`).
pub const SUPPORTED: &[&str] = &["Cl", "Cl.Cm", "Cl.Cm.P0", "Cl.Cm.P1", "Cl.Cm.P2"];

impl std::fmt::Display for Vector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cl")?;
        if self.second_factor {
            f.write_str(".Cm")?;
        }
        if let Some(p) = self.identity {
            write!(f, ".P{p}")?;
        }
        Ok(())
    }
}

impl Vector {
    /// Whether a sign-in that achieved `self` meets `wanted`: the second
    /// factor if it asks for one, and at least its identity level.
    pub fn satisfies(&self, wanted: &Vector) -> bool {
        (self.second_factor || !wanted.second_factor)
            && self.identity_needed() >= wanted.identity_needed()
    }

    /// The identity level this vector needs (0 when it names none).
    pub fn identity_needed(&self) -> u8 {
        self.identity.unwrap_or(0)
    }

    /// Parse one vector such as `Cl.Cm.P2`.
    /// - components are a capital letter and one lower-case letter or digit,
    ///   each at most once (else `vtr_malformed`);
    /// - only `Cl`, `Cm` and `P0`-`P2`, with `Cl` always present (else
    ///   `vtr_unsupported`);
    /// - identity above `P0` needs `Cm` (else `vtr_not_valid`, G3).
    pub fn parse(s: &str) -> Result<Vector, Occurrence> {
        let malformed = |why: &str| VTR_MALFORMED.with_detail(format!("vector {s:?} {why}"));
        if s.is_empty() {
            return Err(malformed("is empty"));
        }
        let mut seen: Vec<&str> = Vec::new();
        let (mut cl, mut cm, mut identity) = (false, false, None);
        for c in s.split('.') {
            let b = c.as_bytes();
            let well_formed = matches!(b, [letter, value]
                if letter.is_ascii_uppercase()
                    && (value.is_ascii_lowercase() || value.is_ascii_digit()));
            if !well_formed {
                return Err(malformed(
                    "has a component that is not a capital letter and a value, like Cl",
                ));
            }
            if seen.contains(&c) {
                return Err(malformed(&format!("repeats {c}")));
            }
            seen.push(c);
            match c {
                "Cl" => cl = true,
                "Cm" => cm = true,
                "P0" | "P1" | "P2" => {
                    if identity.is_some() {
                        return Err(malformed("names two identity levels"));
                    }
                    identity = b.get(1).map(|digit| digit - b'0');
                }
                other => {
                    return Err(VTR_UNSUPPORTED.with_detail(format!(
                        "component {other} of vector {s} is not offered; offered: Cl, Cm, P0, P1, P2"
                    )));
                }
            }
        }
        if !cl {
            return Err(VTR_UNSUPPORTED.with_detail(format!(
                "vector {s} names no Cl: every vector starts from a password (Cl or Cl.Cm)"
            )));
        }
        if identity.is_some_and(|p| p > 0) && !cm {
            return Err(VTR_NOT_VALID.with_detail(format!(
                "vector {s} asks for identity with a single factor; use Cl.Cm.P{}",
                identity.unwrap_or(0)
            )));
        }
        Ok(Vector {
            second_factor: cm,
            identity,
        })
    }
}

/// Parse the `vtr` parameter: a JSON array of one or more vectors.
pub fn parse_vtr(value: &str) -> Result<Vec<Vector>, Occurrence> {
    let list: Vec<String> = serde_json::from_str(value).map_err(|_| {
        VTR_MALFORMED.with_detail("vtr is not a JSON array of strings, for example [\"Cl.Cm\"]")
    })?;
    if list.is_empty() {
        return Err(VTR_MALFORMED.with_detail("vtr is an empty array"));
    }
    if list.len() > MAX_VECTORS {
        return Err(VTR_MALFORMED.with_detail(format!("vtr lists more than {MAX_VECTORS} vectors")));
    }
    list.iter().map(|v| Vector::parse(v)).collect()
}

/// `acr_values` (OIDC Core §3.1.2.1) are voluntary: the values that are
/// vectors Latchkey offers are used, in order; others are ignored.
pub fn from_acr_values(value: &str) -> Vec<Vector> {
    value
        .split(' ')
        .filter_map(|v| Vector::parse(v).ok())
        .collect()
}

/// The `vtr.default` setting: one vector (`Cl.Cm`) or a JSON array.
pub fn parse_default(value: &str) -> Result<Vec<Vector>, String> {
    let value = value.trim();
    let parsed = if value.starts_with('[') {
        parse_vtr(value)
    } else {
        Vector::parse(value).map(|v| vec![v])
    };
    parsed.map_err(|occ| occ.description())
}

/// How a sign-in measures up to the requested vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assessment {
    /// The first requested vector the sign-in meets.
    Met(Vector),
    /// A vector the user's identity allows needs the second factor first.
    NeedsSecondFactor,
    /// No requested vector allows the user's identity confidence.
    IdentityTooLow { needed: u8, has: u8 },
}

/// `requested` empty means `Cl`.
pub fn assess(requested: &[Vector], second_factor_done: bool, identity: u8) -> Assessment {
    let requested = if requested.is_empty() {
        &[CL][..]
    } else {
        requested
    };
    if let Some(v) = requested
        .iter()
        .find(|v| identity >= v.identity_needed() && (!v.second_factor || second_factor_done))
    {
        return Assessment::Met(*v);
    }
    if requested.iter().any(|v| identity >= v.identity_needed()) {
        return Assessment::NeedsSecondFactor;
    }
    Assessment::IdentityTooLow {
        needed: requested
            .iter()
            .map(Vector::identity_needed)
            .min()
            .unwrap_or(0),
        has: identity,
    }
}

/// Identity confidence as the admin API writes it: `P0` .. `P2`.
pub fn parse_identity(value: &str) -> Option<u8> {
    match value {
        "P0" => Some(0),
        "P1" => Some(1),
        "P2" => Some(2),
        _ => None,
    }
}

/// `amr` values (RFC 8176) after a password, and after a second factor too.
pub const AMR_PASSWORD: &[&str] = &["pwd"];
pub const AMR_SECOND_FACTOR: &[&str] = &["pwd", "otp", "mfa"];

/// Whether a session's `amr` includes a second factor: `mfa` (RFC 8176),
/// which a TOTP code after the password gives, and a passkey with user
/// verification on its own (`crate::passkey::AMR_PASSKEY`).
pub fn has_second_factor(amr: &[String]) -> bool {
    amr.iter().any(|a| a == "mfa" || a == "otp")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn vectors_parse_and_print() {
        for s in ["Cl", "Cl.Cm", "Cl.Cm.P2", "Cl.P0", "Cm.Cl.P1"] {
            let v = Vector::parse(s).unwrap();
            assert!(v.to_string().starts_with("Cl"), "{s}");
        }
        assert_eq!(Vector::parse("Cl.Cm.P2").unwrap().to_string(), "Cl.Cm.P2");
        assert_eq!(Vector::parse("Cl.Cm").unwrap(), CL_CM);
    }

    #[test]
    fn bad_vectors_name_their_cause() {
        let cause = |s: &str| Vector::parse(s).unwrap_err().cause.id;
        assert_eq!(cause("Cl.P2"), "vtr_not_valid");
        assert_eq!(cause("Cl.P1"), "vtr_not_valid");
        assert_eq!(cause(""), "vtr_malformed");
        assert_eq!(cause("Cl..Cm"), "vtr_malformed");
        assert_eq!(cause("cl"), "vtr_malformed");
        assert_eq!(cause("Cl.Cl"), "vtr_malformed");
        assert_eq!(cause("Cl.Cm.P1.P2"), "vtr_malformed");
        assert_eq!(cause("Cl.Ch"), "vtr_unsupported");
        assert_eq!(cause("Cl.Cm.P3"), "vtr_unsupported");
        assert_eq!(cause("Cm.P2"), "vtr_unsupported");
        let vtr = |s: &str| parse_vtr(s).unwrap_err().cause.id;
        assert_eq!(vtr("Cl.Cm"), "vtr_malformed");
        assert_eq!(vtr("[]"), "vtr_malformed");
        assert_eq!(vtr("[1]"), "vtr_malformed");
        assert_eq!(vtr("[\"Cl.P2\"]"), "vtr_not_valid");
        assert_eq!(parse_vtr("[\"Cl.Cm\",\"Cl\"]").unwrap(), vec![CL_CM, CL]);
    }

    #[test]
    fn defaults_and_acr_values() {
        assert_eq!(parse_default("Cl").unwrap(), vec![CL]);
        assert_eq!(parse_default("[\"Cl.Cm\"]").unwrap(), vec![CL_CM]);
        assert!(parse_default("Cl.P2").is_err());
        assert_eq!(from_acr_values("urn:x Cl.Cm"), vec![CL_CM]);
    }

    #[test]
    fn assessment() {
        let p2 = Vector::parse("Cl.Cm.P2").unwrap();
        assert_eq!(assess(&[], false, 0), Assessment::Met(CL));
        assert_eq!(assess(&[CL_CM], false, 0), Assessment::NeedsSecondFactor);
        assert_eq!(assess(&[CL_CM], true, 0), Assessment::Met(CL_CM));
        assert_eq!(
            assess(&[p2], true, 1),
            Assessment::IdentityTooLow { needed: 2, has: 1 }
        );
        assert_eq!(assess(&[p2], false, 2), Assessment::NeedsSecondFactor);
        assert_eq!(assess(&[p2, CL], false, 0), Assessment::Met(CL));
        assert_eq!(assess(&[CL_CM, CL], true, 0), Assessment::Met(CL_CM));
    }
}
