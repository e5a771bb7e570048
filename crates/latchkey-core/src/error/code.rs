//! Wire codes: the values of `error` registered by the OAuth and OpenID
//! specifications, plus the few HTTP-level extensions Latchkey uses.

/// A provider whose published error reference Latchkey follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Okta,
    GovUkOneLogin,
    JetBrainsHub,
    Fosite,
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::Okta => "Okta",
            Provider::GovUkOneLogin => "GOV.UK One Login",
            Provider::JetBrainsHub => "JetBrains Hub",
            Provider::Fosite => "Ory Fosite",
        }
    }
}

macro_rules! error_codes {
    ($( $variant:ident = $wire:literal, $status:literal, $spec:literal, $meaning:literal; )*) => {
        /// The value of `error` on the wire.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode { $( $variant, )* }

        impl ErrorCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $wire, )* }
            }

            /// The usual HTTP status for this code (a cause may refine it).
            pub fn status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            /// Where the code is defined.
            pub fn spec(self) -> &'static str {
                match self { $( ErrorCode::$variant => $spec, )* }
            }

            /// What the code means, in one sentence.
            pub fn meaning(self) -> &'static str {
                match self { $( ErrorCode::$variant => $meaning, )* }
            }

            pub fn parse(s: &str) -> Option<ErrorCode> {
                match s { $( $wire => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

error_codes! {
    InvalidRequest = "invalid_request", 400, "RFC 6749 §4.1.2.1, §5.2",
        "The request is missing a parameter, repeats one, has a value that is not allowed, or is otherwise malformed.";
    InvalidClient = "invalid_client", 401, "RFC 6749 §5.2",
        "The client could not be authenticated.";
    InvalidGrant = "invalid_grant", 400, "RFC 6749 §5.2",
        "The authorization code, refresh token or other grant is invalid, expired, revoked, already used, or belongs to another client.";
    UnauthorizedClient = "unauthorized_client", 400, "RFC 6749 §4.1.2.1, §5.2",
        "The client is not allowed to use this grant or response type, or is deactivated.";
    UnsupportedGrantType = "unsupported_grant_type", 400, "RFC 6749 §5.2",
        "The grant type is not supported or not enabled on this server.";
    UnsupportedResponseType = "unsupported_response_type", 400, "RFC 6749 §4.1.2.1",
        "The response type is not supported by this server.";
    UnsupportedResponseMode = "unsupported_response_mode", 400, "OAuth 2.0 Multiple Response Type Encoding Practices §2; JARM",
        "The response mode is not supported by this server.";
    InvalidScope = "invalid_scope", 400, "RFC 6749 §4.1.2.1, §5.2",
        "A requested scope is unknown, malformed, not allowed for the client, or broader than what was granted.";
    AuthorizationPending = "authorization_pending", 400, "RFC 8628 §3.5",
        "The user has not yet allowed or denied the device's request; poll again after the interval.";
    SlowDown = "slow_down", 400, "RFC 8628 §3.5",
        "The device polls too often; the interval grew by 5 seconds for this and every later poll.";
    ExpiredToken = "expired_token", 400, "RFC 8628 §3.5",
        "The device code expired before the user decided; start a new device authorization.";
    AccessDenied = "access_denied", 403, "RFC 6749 §4.1.2.1",
        "The user or the server refused the request.";
    ServerError = "server_error", 500, "RFC 6749 §4.1.2.1",
        "The server met an unexpected condition; the request may be retried.";
    TemporarilyUnavailable = "temporarily_unavailable", 503, "RFC 6749 §4.1.2.1",
        "The server is overloaded, rate limiting, or in maintenance; retry later.";
    InteractionRequired = "interaction_required", 400, "OpenID Connect Core §3.1.2.6",
        "The user must interact with the server, but the request asked for no interaction.";
    LoginRequired = "login_required", 400, "OpenID Connect Core §3.1.2.6",
        "The user must sign in, but the request asked for no interaction.";
    AccountSelectionRequired = "account_selection_required", 400, "OpenID Connect Core §3.1.2.6",
        "The user must choose an account, but the request asked for no interaction.";
    ConsentRequired = "consent_required", 400, "OpenID Connect Core §3.1.2.6",
        "The user must grant consent, but the request asked for no interaction.";
    InvalidRequestUri = "invalid_request_uri", 400, "OpenID Connect Core §3.1.2.6; RFC 9101 §7",
        "The request_uri is unknown, expired, already used, unreachable or malformed.";
    InvalidRequestObject = "invalid_request_object", 400, "OpenID Connect Core §3.1.2.6; RFC 9101 §7",
        "The request object is invalid: bad signature, wrong issuer or audience, expired or unparseable.";
    RequestNotSupported = "request_not_supported", 400, "OpenID Connect Core §3.1.2.6",
        "Request objects passed by value are not supported here.";
    RequestUriNotSupported = "request_uri_not_supported", 400, "OpenID Connect Core §3.1.2.6",
        "request_uri is not supported here, or not for this client.";
    RegistrationNotSupported = "registration_not_supported", 400, "OpenID Connect Core §3.1.2.6",
        "The registration parameter is not supported.";
    InvalidToken = "invalid_token", 401, "RFC 6750 §3.1",
        "The access token is missing, malformed, expired or revoked.";
    InsufficientScope = "insufficient_scope", 403, "RFC 6750 §3.1",
        "The access token does not carry the scope the resource needs.";
    InvalidTarget = "invalid_target", 400, "RFC 8707 §2; RFC 8693 §2.2.2",
        "The requested audience or resource is unknown, or not one the client may get a token for.";
    InvalidRedirectUri = "invalid_redirect_uri", 400, "RFC 7591 §3.2.2",
        "A redirect URI in the client metadata is not acceptable.";
    InvalidClientMetadata = "invalid_client_metadata", 400, "RFC 7591 §3.2.2",
        "A field of the client metadata is invalid.";
    InvalidSoftwareStatement = "invalid_software_statement", 400, "RFC 7591 §3.2.2",
        "The software statement is invalid.";
    UnapprovedSoftwareStatement = "unapproved_software_statement", 400, "RFC 7591 §3.2.2",
        "The software statement is not approved for this server.";
    NotFound = "not_found", 404, "Latchkey (HTTP 404)",
        "No resource or endpoint exists at this address.";
}

impl ErrorCode {
    /// The names other providers use on the wire for the same situation.
    pub fn aka(self) -> &'static [(Provider, &'static str)] {
        use Provider::*;
        match self {
            ErrorCode::InvalidRequest => &[
                (Okta, "invalid_request"),
                (GovUkOneLogin, "invalid_request"),
                (GovUkOneLogin, "request_is_missing_parameters"),
                (JetBrainsHub, "invalid_request"),
                (Fosite, "invalid_request"),
                (Fosite, "invalid_state"),
                (Fosite, "insufficient_entropy"),
            ],
            ErrorCode::InvalidClient => &[
                (Okta, "invalid_client"),
                (GovUkOneLogin, "invalid_client"),
                (JetBrainsHub, "invalid_client"),
                (Fosite, "invalid_client"),
                (Fosite, "jti_known"),
            ],
            ErrorCode::InvalidGrant => &[
                (Okta, "invalid_grant"),
                (GovUkOneLogin, "invalid_grant"),
                (JetBrainsHub, "invalid_grant"),
                (Fosite, "invalid_grant"),
            ],
            ErrorCode::UnauthorizedClient => &[
                (Okta, "unauthorized_client"),
                (GovUkOneLogin, "unauthorized_client"),
                (JetBrainsHub, "unauthorized_client"),
                (Fosite, "unauthorized_client"),
            ],
            ErrorCode::UnsupportedGrantType => &[
                (Okta, "unsupported_grant_type"),
                (GovUkOneLogin, "unsupported_grant_type"),
                (JetBrainsHub, "unsupported_grant_type"),
                (Fosite, "unsupported_grant_type"),
                (Fosite, "error"),
            ],
            ErrorCode::UnsupportedResponseType => &[
                (Okta, "unsupported_response_type"),
                (GovUkOneLogin, "unsupported_response_type"),
                (JetBrainsHub, "unsupported_responce_type"),
                (Fosite, "unsupported_response_type"),
            ],
            ErrorCode::UnsupportedResponseMode => &[
                (Okta, "unsupported_response_mode"),
                (Fosite, "unsupported_response_mode"),
            ],
            ErrorCode::InvalidScope => &[
                (Okta, "invalid_scope"),
                (GovUkOneLogin, "invalid_scope"),
                (JetBrainsHub, "invalid_scope"),
                (Fosite, "invalid_scope"),
                (Fosite, "scope_not_granted"),
            ],
            ErrorCode::AccessDenied => &[
                (Okta, "access_denied"),
                (Okta, "user_canceled_request"),
                (GovUkOneLogin, "access_denied"),
                (Fosite, "access_denied"),
                (Fosite, "request_forbidden"),
            ],
            ErrorCode::AuthorizationPending | ErrorCode::SlowDown | ErrorCode::ExpiredToken => &[],
            ErrorCode::ServerError => &[
                (Okta, "server_error"),
                (GovUkOneLogin, "server_error"),
                (Fosite, "server_error"),
                (Fosite, "misconfiguration"),
            ],
            ErrorCode::TemporarilyUnavailable => &[
                (Okta, "temporarily_unavailable"),
                (GovUkOneLogin, "temporarily_unavailable"),
                (Fosite, "temporarily_unavailable"),
            ],
            ErrorCode::InteractionRequired => &[
                (Okta, "interaction_required"),
                (Fosite, "interaction_required"),
            ],
            ErrorCode::LoginRequired => &[(Okta, "login_required"), (Fosite, "login_required")],
            ErrorCode::AccountSelectionRequired => &[(Fosite, "account_selection_required")],
            ErrorCode::ConsentRequired => {
                &[(Okta, "consent_required"), (Fosite, "consent_required")]
            }
            ErrorCode::InvalidRequestUri => &[(Fosite, "invalid_request_uri")],
            ErrorCode::InvalidRequestObject => &[(Fosite, "invalid_request_object")],
            ErrorCode::RequestNotSupported => &[(Fosite, "request_not_supported")],
            ErrorCode::RequestUriNotSupported => &[(Fosite, "request_uri_not_supported")],
            ErrorCode::RegistrationNotSupported => &[(Fosite, "registration_not_supported")],
            ErrorCode::InvalidToken => &[
                (Okta, "invalid_token"),
                (GovUkOneLogin, "invalid_token"),
                (Fosite, "invalid_token"),
                (Fosite, "token_inactive"),
                (Fosite, "request_unauthorized"),
            ],
            ErrorCode::InsufficientScope => {
                &[(Okta, "insufficient_scope"), (Fosite, "scope_not_granted")]
            }
            ErrorCode::InvalidTarget => &[],
            ErrorCode::InvalidRedirectUri => &[(Okta, "invalid_redirect_uri")],
            ErrorCode::InvalidClientMetadata => &[(Okta, "invalid_client_metadata")],
            ErrorCode::InvalidSoftwareStatement => &[],
            ErrorCode::UnapprovedSoftwareStatement => &[],
            ErrorCode::NotFound => &[(Fosite, "not_found"), (Okta, "E0000007")],
        }
    }
}
