use super::*;

#[test]
fn browser_errors_name_their_cause() {
    let cause = |n: &str| browser_error(n).cause.id;
    assert_eq!(cause("NotAllowedError"), "passkey_cancelled");
    assert_eq!(cause("AbortError"), "passkey_cancelled");
    assert_eq!(cause("TimeoutError"), "passkey_timeout");
    assert_eq!(cause("SecurityError"), "passkey_rp_mismatch");
    assert_eq!(cause("InvalidStateError"), "passkey_attestation_refused");
    assert_eq!(cause("<script>"), "passkey_cancelled");
    assert!(!browser_error("<script>").description().contains('<'));
}

#[test]
fn verification_failures_map_onto_causes() {
    let id = |e| refusal(e, &PASSKEY_INVALID).cause.id;
    assert_eq!(
        id(WebauthnError::CredentialPossibleCompromise),
        "passkey_counter_regression"
    );
    assert_eq!(id(WebauthnError::InvalidRPOrigin), "passkey_rp_mismatch");
    assert_eq!(id(WebauthnError::InvalidRPIDHash), "passkey_rp_mismatch");
    assert_eq!(id(WebauthnError::UserNotVerified), "passkey_invalid");
    assert_eq!(
        refusal(WebauthnError::UserNotVerified, &PASSKEY_ATTESTATION_REFUSED)
            .cause
            .id,
        "passkey_attestation_refused"
    );
}

#[test]
fn the_relying_party_needs_a_host_it_covers() {
    assert!(check_rp("localhost", "http://localhost:8080").is_ok());
    assert!(check_rp("example.com", "https://login.example.com").is_ok());
    assert!(check_rp("other.com", "https://login.example.com").is_err());
    assert!(check_rp("ample.com", "https://example.com").is_err());
    let ip = check_rp("127.0.0.1", "http://127.0.0.1:8080").unwrap_err();
    assert!(ip.contains("IP address"), "{ip}");
}

#[test]
fn names_and_handles() {
    assert_eq!(clean_name("  Laptop \n"), "Laptop");
    assert_eq!(clean_name(""), "Passkey");
    assert_eq!(clean_name(&"x".repeat(100)).len(), MAX_NAME);
    assert_eq!(user_handle("a"), user_handle("a"));
    assert_ne!(user_handle("a"), user_handle("b"));
}

#[test]
fn amr_values_count_as_a_second_factor() {
    let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(crate::vtr::has_second_factor(&owned(AMR_PASSKEY)));
    assert!(crate::vtr::has_second_factor(&owned(
        AMR_PASSWORD_AND_PASSKEY
    )));
    assert!(!crate::vtr::has_second_factor(&owned(
        crate::vtr::AMR_PASSWORD
    )));
}
