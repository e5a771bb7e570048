# Latchkey's pages in English. Every key here exists in every other
# language's file (a test checks). Variables: { $client } the application's
# name, { $user } an account's name, { $minutes } a whole number.
# The catalogue's own English is the source of its causes' page text; other
# languages translate it as cause-<id with dashes>.

## Every page

language = Language
wait-minutes = { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
to-continue-to = to continue to { $client }
cancel = Cancel
continue = Continue
sign-in = Sign in

## The error page

error-reference = Error reference
error-details = Details for the application's developer
error-too-many-title = Too many attempts
error-too-many = There have been too many attempts. Wait a little, then try again.
error-ours-title = Something went wrong on our side
error-ours = We could not finish signing you in. Please try again in a few minutes. If it keeps happening, contact support and quote the error reference below.
error-user-title = We could not sign you in
error-user = Please go back to the application and try again.
error-client-title = This application sent an invalid sign-in request
error-client = The application you came from asked us to sign you in with settings we cannot accept, so we cannot send you back to it safely. Contact the application's support and quote the error reference below.

## The home page

home-intro = This is the sign-in service of { $name }, an OpenID Connect provider. Applications send people here to sign in; there is nothing to do on this page itself.
home-discovery = OpenID Connect discovery
home-discovery-note = (for application developers)
home-keys = Signing keys
home-errors = Every error code and cause
home-errors-note = , with what to do about it

## Login

login-name = Username or email
login-password = Password
forgot-password = Forgot your password?
login-or = or
login-with = Sign in with { $name }
login-account-throttled = Too many failed attempts to sign in to this account. Try again in { wait-minutes }, or choose Cancel to go back to { $client }.
login-address-throttled = Many sign-ins from your network have failed recently; if you are unsure of your password, try again in { wait-minutes }.

## Second factor

mfa-verify-title = Security code
mfa-verify-heading = Enter your security code
mfa-code-label = The 6-digit code from your authenticator app
mfa-use-recovery = Use a recovery code instead
mfa-recovery-label = Recovery code
mfa-recovery-button = Use recovery code
mfa-enrol-title = Set up an authenticator
mfa-enrol-heading = Set up an authenticator app
mfa-enrol-asks = { $client } asks for a second step when you sign in.
mfa-enrol-scan = Scan this QR code with an authenticator app (for example one on your phone).
mfa-enrol-qr-label = QR code for your authenticator app
mfa-enrol-type-key = Or type this key into the app:
mfa-enrol-code-label = Then enter the 6-digit code the app shows
mfa-passkey-title = Use your passkey
mfa-passkey-heading = Confirm it is you with your passkey
mfa-passkey-note = Your passkey is the second step: press the button and follow your device.
mfa-passkey-enrol-instead = Set up an authenticator app instead
mfa-codes-title = Recovery codes
mfa-codes-heading = Save your recovery codes
mfa-codes-explain = If you lose your phone, each of these codes lets you sign in once instead of a code from the app. Keep them somewhere safe: they are shown only now.
mfa-codes-saved = I have saved them, continue
second-factor-recovery-invalid = That recovery code is not valid or was already used.
second-factor-confirmation-invalid = That code does not match. Check the key in the app and enter the code it shows now.
second-factor-code-invalid = That code is not right or has expired. Enter the code the app shows now.

## Choose an account

select-account-title = Choose an account
select-account-continue-as = Continue as { $user }
select-account-other = Use another account

## Consent

consent-title = Allow access
consent-heading = Allow access?
consent-device-heading = Connect this device?
consent-device-warning-strong = Only continue if you started this on a device you have in front of you
consent-device-warning = and it shows the code you typed. If someone sent you the code or a link, choose Deny: they would get into your account.
consent-would-like = { $client } would like to:
consent-allow = Allow
consent-deny = Deny
consent-signed-in-as = Signed in as { $user }.
consent-not-you = Not you? Use another account
scope-openid = Sign you in and know who you are
scope-profile = See your name, username and profile picture
scope-email = See your email address
scope-address = See your postal address
scope-phone = See your phone number
scope-offline-access = Stay signed in to your account while you are away
scope-other = Access: { $scope }
consent-claim = See this detail of your account: { $claim }
consent-resource = Use { $resource } on your behalf

## Device sign-in

device-title = Connect a device
device-enter-code = Enter the code shown on your device.
device-code = Code
device-code-wrong = That code is not right. Check the code on your device and try again.
device-code-throttled = Too many wrong codes were entered from your network. Try again in { wait-minutes }.
device-code-used = This code was already used: the request was allowed or denied. Start again on your device to get a new code.
device-code-expired = That code has expired. Start again on your device to get a new one.
device-connected-title = Device connected
device-connected = You are signed in on your device. You can close this page and go back to it.
device-denied-title = Access denied
device-denied = The device was not given access to your account. You can close this page.

## Sign out

logout-title = Sign out
logout-heading = Sign out?
logout-explain = You will be signed out of every application that uses this account on this browser.
logout-requested-by = Requested by { $client }
logout-done-title = Signed out
logout-done-heading = You are signed out
logout-done = You can close this window.

## The account page

account-title = Your account
account-signed-in-as = Signed in as { $user }
account-notice-profile = Your profile is saved.
account-notice-password = Your password is changed. Any other browser signed in to your account is signed out.
account-notice-totp-removed = The authenticator app is removed: signing in asks for your password only.
account-notice-session-ended = The session has ended: that browser is signed out.
account-notice-revoked = The application is disconnected: it can no longer use your account.
account-notice-reauth = You signed in again. You can make your change now.
account-profile = Profile
account-profile-managed = Your profile is managed by the operator.
account-email = Email: { $email }
account-profile-save = Save profile
account-claim-name = Name
account-claim-given-name = Given name
account-claim-family-name = Family name
account-claim-middle-name = Middle name
account-claim-nickname = Nickname
account-claim-preferred-username = Preferred username
account-claim-profile = Profile page
account-claim-picture = Picture
account-claim-website = Website
account-claim-gender = Gender
account-claim-birthdate = Birthdate
account-claim-locale = Locale
account-claim-zoneinfo = Time zone
account-claim-phone-number = Phone number
account-password = Password
account-password-current = Current password
account-password-new = New password
account-password-again = New password again
account-password-change = Change password
account-factor = Two-step sign-in
account-factor-on = An authenticator app is set up. Signing in asks for a code from it. { $left ->
    [one] One recovery code is left.
   *[other] { $left } recovery codes are left.
}
account-factor-off = No authenticator app is set up: signing in asks for your password only.
account-factor-set-up = Set up an authenticator app
account-factor-new-codes = New recovery codes
account-factor-remove = Remove authenticator
account-enrol-turn-on = Turn on
account-codes-replaced = Any earlier recovery codes no longer work.
account-codes-back = I have saved them, back to your account
account-sessions = Where you are signed in
account-session-device = { $browser } on { $system }
account-session-device-system = A browser on { $system }
account-session-device-unknown = Unknown browser
account-session-this = this browser
account-session-line = { $address } · signed in { $when }
account-session-unknown-address = unknown address
account-session-end = End session
account-session-sign-out = Sign out
account-applications = Connected applications
account-applications-none = No application has access to your account.
account-application-line = { $scope } · allowed { $allowed } · { $used }
account-application-used = last used { $when }
account-application-unused = not used yet
account-application-disconnect = Disconnect
account-signed-out-title = Signed out
account-signed-out-heading = You are signed out
account-signed-out = This browser's session has ended.
account-sign-in-again = Sign in again
## Passkeys

passkey-sign-in = Sign in with a passkey
passkey-use = Use a passkey
passkey-use-note = You have a passkey: use it instead of a code.
passkey-offer-title = Add a passkey
passkey-offer-heading = Sign in faster next time
passkey-offer-before = before you continue to { $client }
passkey-offer-explain = A passkey lets you sign in with your fingerprint, face or screen lock instead of a password. It stays on your device (or in your password manager), and works only on this site.
passkey-name-label = Name it, to tell it from others later (for example “Laptop”)
passkey-add = Add a passkey
passkey-not-now = Not now

## Forgotten password and email confirmation (pages)

mail-check-title = Check your email
recover-explain = Enter your username or email address. If an account matches, we send a link to its email address to choose a new password.
recover-send = Send the link
recover-back = Back to sign in
recover-back-to-app = Go back to the application you came from to sign in.
recover-sent = If an account matches what you entered, we sent a link to its email address. Open it within { wait-minutes } to choose a new password.
recover-no-email = No email? Check your spam folder, or ask again in a few minutes.
link-dead-title = This link cannot be used
link-ask-again = Ask for a new link
reset-title = Choose a new password
reset-password = New password (at least 8 characters)
reset-password-again = The same password again
reset-second-step = Your account has a second step. Enter the 6-digit code from your authenticator app, or one of your recovery codes.
reset-code = Code from your authenticator app
reset-recovery-code = Or a recovery code
reset-submit = Set the new password
reset-done-title = Password changed
reset-done-heading = Your password was changed
reset-done = Your new password is set. Every device that was signed in to your account has been signed out, and we sent a notice to your email address.
reset-sign-in = Sign in with your new password
reset-back-to-app = Go back to the application you came from and sign in with your new password.
verify-again = Sign in to have the link sent again, or ask the service's support.
verify-confirm-heading = Confirm your email address
verify-confirm-explain = Press the button to confirm that this address is yours.
verify-confirm-button = Confirm my email address
verify-done-title = Email confirmed
verify-done-heading = Your email address is confirmed
verify-done = Thank you. You can now sign in with your email address as well as your username.
verify-close = You can close this page and go back to the application.
verify-first-title = Confirm your email address
verify-first-heading = Confirm your email address first
verify-no-email = No email?
verify-resend = Send the link again
verify-sent = If this account waits for its email address to be confirmed, we sent the link again. Open it, then sign in.

## Forgotten password and email confirmation (the emails)

mail-link-once = The link works once.
mail-recovery-subject = Reset your { $service } password
mail-recovery-asked = Someone asked to reset the password of the { $service } account { $username }.
mail-recovery-open = To choose a new password, open this link within { wait-minutes }:
mail-recovery-button = Choose a new password
mail-recovery-ignore = If you did not ask for this, ignore this email: your password stays as it is.
mail-verify-subject = Confirm your email address for { $service }
mail-verify-given = This address was given for the { $service } account { $username }.
mail-verify-open = To confirm it is yours, open this link:
mail-verify-button = Confirm my email address
mail-verify-ignore = If you do not know this account, ignore this email.
mail-changed-subject = Your { $service } password was changed
mail-changed-done = The password of the { $service } account { $username } was just changed with a recovery link, and every device signed in to it was signed out.
mail-changed-not-you = If this was not you, ask for a new recovery link at once and contact the service's support.
## Passkeys on the account page and in recovery

account-notice-passkey-added = The passkey is added: you can sign in with it now.
account-notice-passkey-renamed = The passkey is renamed.
account-notice-passkey-removed = The passkey is removed: it no longer signs you in.
account-passkeys = Passkeys
account-passkeys-explain = A passkey signs you in with your fingerprint, face or screen lock instead of a password.
account-passkeys-none = You have no passkey yet.
account-passkey-line = added { $added } · { $used }
account-passkey-used = last used { $when }
account-passkey-unused = not used yet
account-passkey-name = Name
account-passkey-rename = Rename
account-passkey-remove = Remove
account-passkey-remove-named = Remove the passkey { $name }
account-passkey-password = Use a passkey instead
account-passkey-password-note = Instead of your current password, you can confirm the change with one of your passkeys.
account-passkey-add-how = When you press the button, your browser asks you to confirm with your device.
passkey-recovery-explain = Your account has a passkey. When you set the new password, your browser asks you to confirm with it.
passkey-recovery-or-code = Or confirm with one of your passkeys instead of a code.
passkey-recovery-button = Set the new password with a passkey
passkey-recovery-refused = Your passkey was not accepted. Try again with a passkey of this account.
