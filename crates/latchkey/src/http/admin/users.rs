//! `/admin/v1/users`: users, their roles, sessions, passkeys and password
//! reset email.

use super::caller::Caller;
use super::shared::*;

/// `GET /admin/v1/users`: every user (by creation), or with `q`, `after`
/// or `limit` a page of a search (by username).
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    summary = "List or search the users",
    params(
        ("q" = Option<String>, Query, description = "Text the username, `sub` or email contains (ignoring ASCII case); empty matches everyone", example = "ada"),
        ("after" = Option<String>, Query, description = "The last username of the previous page: the page starts after it"),
        ("limit" = Option<usize>, Query, description = "At most this many users (1 to 1000; 100 by default)", minimum = 1, maximum = 1000)
    ),
    responses(
        (status = 200, description = "Without `q`, `after` and `limit`: every user, oldest first. With any of them: the users found, by username; a page shorter than `limit` is the last", body = Vec<manage::users::UserView>),
        (status = 400, description = "A parameter given twice, a `limit` out of range or a NUL character (`admin_query_invalid`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn list_users(
    State(app): State<Arc<App>>,
    _caller: Caller,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AdminResult {
    let params = latchkey_core::authorize::RawParams::parse(query.as_deref().unwrap_or(""));
    let query = manage::users::query(&params).map_err(Failure::admin)?;
    let body = manage::users::find(app.store.as_ref(), query.as_ref())
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, body))
}

/// Record an admin API change to a user in the audit trail: which fields
/// (names only, never values), by the admin token, from where.
async fn audit_user(app: &App, caller: &Caller, kind: &str, user: &Value, fields: Vec<String>) {
    let sub = user["sub"].as_str().unwrap_or_default();
    let mut event = caller.event(kind, format!("user:{sub}"));
    if !fields.is_empty() {
        event = event.with("fields", fields);
    }
    crate::audit::record(app, event).await;
}

#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    summary = "Create a user",
    request_body(content = crate::http::openapi::UserCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The user", body = manage::users::UserView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_user_attributes`)", body = AdminError),
        (status = 409, description = "The username is taken (`username_taken`), or the verified email is another user's (`email_taken`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn create_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let body = json_body(&headers, &body)?;
    let fields = field_names(&body);
    let created = manage::users::create(app.store.as_ref(), &app.secrets, body)
        .await
        .map_err(Failure::admin)?;
    audit_user(&app, &caller, kind::ADMIN_USER_CREATED, &created, fields).await;
    let address = caller.address.clone();
    if let Some(event) = manage::users::roles_event(&caller.actor(), address, &created, &[]) {
        crate::audit::record(&app, event).await;
    }
    if crate::mail::verify_new_user(&app.config, app.store.as_ref(), &app.secrets, &created).await {
        app.mail_wake.notify_one();
    }
    Ok(ok(StatusCode::CREATED, created))
}

#[utoipa::path(
    get,
    path = "/users/{sub}",
    tag = "users",
    summary = "Show a user",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "The user, with what they have besides a password", body = manage::users::UserView),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn show_user(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let shown = manage::users::describe(app.store.as_ref(), &user)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, shown))
}

#[utoipa::path(
    patch,
    path = "/users/{sub}",
    tag = "users",
    summary = "Change a user",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    request_body(content = crate::http::openapi::UserPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The user as changed", body = manage::users::UserView),
        (status = 400, description = "Not `Content-Type: application/json` (`unsupported_content_type`), not JSON or with a NUL character in a string (`malformed_body`), or refused attributes (`invalid_user_attributes`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 409, description = "The username is taken (`username_taken`), or the verified email is another user's (`email_taken`)", body = AdminError),
        (status = 413, description = "The body is larger than the server takes (`request_too_large`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn update_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    headers: HeaderMap,
    Path(sub): Path<String>,
    body: Bytes,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let patch = json_body(&headers, &body)?;
    let fields = field_names(&patch);
    let locking = patch.get("locked") == Some(&Value::Bool(true));
    let previous = match patch.get("roles") {
        Some(_) => {
            let user = manage::users::get(app.store.as_ref(), &sub)
                .await
                .map_err(Failure::admin)?;
            Some(
                manage::users::roles_of(app.store.as_ref(), &user.sub)
                    .await
                    .map_err(Failure::admin)?,
            )
        }
        None => None,
    };
    let updated = manage::users::update(app.store.as_ref(), &app.secrets, &sub, patch)
        .await
        .map_err(Failure::admin)?;
    if locking {
        // Locking queued Logout Tokens for the clients of the user's sessions.
        app.logout_wake.notify_one();
    }
    audit_user(&app, &caller, kind::ADMIN_USER_UPDATED, &updated, fields).await;
    if let Some(previous) = previous {
        let address = caller.address.clone();
        if let Some(event) =
            manage::users::roles_event(&caller.actor(), address, &updated, &previous)
        {
            crate::audit::record(&app, event).await;
        }
    }
    Ok(ok(StatusCode::OK, updated))
}

/// `POST /admin/v1/users/{sub}/password-reset`: send the user the password
/// reset email `/recover` sends (in their language); its link sets a new
/// password and still asks for their second factor.
#[utoipa::path(
    post,
    path = "/users/{sub}/password-reset",
    tag = "users",
    summary = "Send a user the password reset email",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 202, description = "The email is queued (sent by the mail worker, retried while the SMTP server is away)", body = ResetMailQueued),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError),
        (status = 409, description = "Mail is off, or the user has no email address (`reset_mail_unsendable`): set a password instead", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn send_password_reset(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let (user, to) =
        manage::users::send_reset_mail(&app.config, app.store.as_ref(), &app.secrets, &sub)
            .await
            .map_err(Failure::admin)?;
    app.mail_wake.notify_one();
    let event = caller
        .event(kind::RECOVERY_REQUESTED, format!("user:{}", user.sub))
        .with("lang", crate::mail::lang_of(&user).tag());
    crate::audit::record(&app, event).await;
    Ok(ok(
        StatusCode::ACCEPTED,
        json!(ResetMailQueued {
            sub: user.sub,
            sent_to: to
        }),
    ))
}

/// `GET /admin/v1/users/{sub}/sessions`: the user's live browser sessions.
#[utoipa::path(
    get,
    path = "/users/{sub}/sessions",
    tag = "users",
    summary = "List a user's browser sessions",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "The user's live sessions, newest first", body = Vec<manage::users::SessionView>),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn list_user_sessions(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let listed = manage::users::sessions(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, json!(listed)))
}

/// `DELETE /admin/v1/users/{sub}/sessions/{sid}`: end one session, as its
/// logout would: the grants made in it without `offline_access` are
/// revoked, and the clients that received tokens in it are sent Logout
/// Tokens.
#[utoipa::path(
    delete,
    path = "/users/{sub}/sessions/{sid}",
    tag = "users",
    summary = "End one of a user's browser sessions",
    params(
        ("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice"),
        ("sid" = String, Path, description = "The session's `sid`, as the listing shows it")
    ),
    responses(
        (status = 204, description = "Ended"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`) or live session (`user_session_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn end_user_session(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((sub, sid)): Path<(String, String)>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let horizon = crate::backchannel::revocation_horizon(&app, latchkey_core::now_unix());
    let told = manage::users::end_session(app.store.as_ref(), &user.sub, &sid, horizon)
        .await
        .map_err(Failure::admin)?;
    if told > 0 {
        app.logout_wake.notify_one();
    }
    let event = caller
        .event(kind::ADMIN_SESSIONS_ENDED, format!("user:{}", user.sub))
        .with("sid", sid);
    crate::audit::record(&app, event).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /admin/v1/users/{sub}/sessions`: sign the user out of every
/// browser, revoking the grants made in their sessions without
/// `offline_access` (the others stay); the clients that received tokens for them
/// are sent Logout Tokens (back-channel logout).
#[utoipa::path(
    delete,
    path = "/users/{sub}/sessions",
    tag = "users",
    summary = "Sign a user out everywhere",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "How many sessions ended", body = SessionsEnded),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn end_user_sessions(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let horizon = crate::backchannel::revocation_horizon(&app, latchkey_core::now_unix());
    let (ended, told) = manage::users::end_sessions(app.store.as_ref(), &user.sub, horizon)
        .await
        .map_err(Failure::admin)?;
    if told > 0 {
        app.logout_wake.notify_one();
    }
    let answer = json!(SessionsEnded {
        sub: user.sub,
        sessions_ended: ended,
    });
    audit_user(
        &app,
        &caller,
        kind::ADMIN_SESSIONS_ENDED,
        &answer,
        Vec::new(),
    )
    .await;
    Ok(ok(StatusCode::OK, answer))
}

#[utoipa::path(
    delete,
    path = "/users/{sub}",
    tag = "users",
    summary = "Delete a user",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn delete_user(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    use latchkey_core::audit::kind;
    let user = manage::users::get(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    let told = manage::users::delete(app.store.as_ref(), &user.sub)
        .await
        .map_err(Failure::admin)?;
    if told > 0 {
        app.logout_wake.notify_one();
    }
    let gone = json!({ "sub": user.sub });
    audit_user(&app, &caller, kind::ADMIN_USER_DELETED, &gone, Vec::new()).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    get,
    path = "/users/{sub}/passkeys",
    tag = "users",
    summary = "List a user's passkeys",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice")),
    responses(
        (status = 200, description = "The user's passkeys, oldest first", body = manage::passkeys::PasskeyList),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn list_passkeys(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(sub): Path<String>,
) -> AdminResult {
    let listed = manage::passkeys::list(app.store.as_ref(), &sub)
        .await
        .map_err(Failure::admin)?;
    Ok(ok(StatusCode::OK, listed))
}

#[utoipa::path(
    delete,
    path = "/users/{sub}/passkeys/{id}",
    tag = "users",
    summary = "Remove a user's passkey",
    params(("sub" = String, Path, description = "The user's `sub`, or their username", example = "alice"), ("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "A path segment that is not UTF-8 once decoded (`malformed_body`)", body = AdminError),
        (status = 404, description = "No such user (`user_not_found`) or passkey (`passkey_not_found`), or the admin API is off (`admin_api_disabled`: no `admin_token`)", body = AdminError)
    ),
    security(("bearer" = []))
)]
pub(super) async fn delete_passkey(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((sub, id)): Path<(String, String)>,
) -> AdminResult {
    let address = caller.address.clone();
    manage::passkeys::remove(app.store.as_ref(), &sub, &id, &caller.actor(), address)
        .await
        .map_err(Failure::admin)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The answer to `POST /users/{sub}/password-reset`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ResetMailQueued {
    pub sub: String,
    /// The address the email goes to (the user's `email` claim).
    pub sent_to: String,
}

/// The answer to `DELETE /users/{sub}/sessions`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionsEnded {
    pub sub: String,
    /// How many browser sessions ended.
    pub sessions_ended: u64,
}
