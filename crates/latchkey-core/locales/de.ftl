# Die Seiten von Latchkey auf Deutsch. Jeder Schlüssel aus en.ftl steht auch
# hier (ein Test prüft das). Die Texte der Fehlerursachen des Katalogs heißen
# cause-<id mit Bindestrichen>.

## Jede Seite

language = Sprache
wait-minutes = { $minutes ->
    [one] { $minutes } Minute
   *[other] { $minutes } Minuten
}
to-continue-to = um mit { $client } fortzufahren
cancel = Abbrechen
continue = Weiter
sign-in = Anmelden

## Die Fehlerseite

error-reference = Fehlerreferenz
error-details = Details für die Entwickler der Anwendung
error-too-many-title = Zu viele Versuche
error-too-many = Es gab zu viele Versuche. Warten Sie kurz und versuchen Sie es dann erneut.
error-ours-title = Bei uns ist etwas schiefgegangen
error-ours = Wir konnten Ihre Anmeldung nicht abschließen. Bitte versuchen Sie es in ein paar Minuten erneut. Wenn es wieder passiert, wenden Sie sich an den Support und nennen Sie die Fehlerreferenz unten.
error-user-title = Wir konnten Sie nicht anmelden
error-user = Bitte kehren Sie zur Anwendung zurück und versuchen Sie es erneut.
error-client-title = Diese Anwendung hat eine ungültige Anmeldeanfrage gesendet
error-client = Die Anwendung, von der Sie kommen, wollte Sie mit Einstellungen anmelden, die wir nicht annehmen können. Deshalb können wir Sie nicht sicher zu ihr zurückschicken. Wenden Sie sich an den Support der Anwendung und nennen Sie die Fehlerreferenz unten.

## Die Startseite

home-intro = Dies ist der Anmeldedienst von { $name }, ein OpenID-Connect-Anbieter. Anwendungen schicken Personen zur Anmeldung hierher; auf dieser Seite selbst gibt es nichts zu tun.
home-discovery = OpenID-Connect-Discovery
home-discovery-note = (für Entwickler von Anwendungen)
home-keys = Signaturschlüssel
home-errors = Alle Fehlercodes und Ursachen
home-errors-note = , jeweils mit dem, was zu tun ist

## Anmeldung

login-name = Benutzername oder E-Mail-Adresse
login-password = Passwort
forgot-password = Passwort vergessen?
login-or = oder
login-with = Mit { $name } anmelden
login-account-throttled = Zu viele fehlgeschlagene Anmeldeversuche für dieses Konto. Versuchen Sie es in { wait-minutes } erneut, oder wählen Sie „Abbrechen“, um zu { $client } zurückzukehren.
login-address-throttled = Aus Ihrem Netzwerk sind zuletzt viele Anmeldungen fehlgeschlagen; wenn Sie sich bei Ihrem Passwort nicht sicher sind, versuchen Sie es in { wait-minutes } erneut.

## Zweiter Faktor

mfa-verify-title = Sicherheitscode
mfa-verify-heading = Geben Sie Ihren Sicherheitscode ein
mfa-code-label = Der 6-stellige Code aus Ihrer Authenticator-App
mfa-use-recovery = Stattdessen einen Wiederherstellungscode verwenden
mfa-recovery-label = Wiederherstellungscode
mfa-recovery-button = Wiederherstellungscode verwenden
mfa-enrol-title = Authenticator einrichten
mfa-enrol-heading = Authenticator-App einrichten
mfa-enrol-asks = { $client } verlangt bei der Anmeldung einen zweiten Schritt.
mfa-enrol-scan = Scannen Sie diesen QR-Code mit einer Authenticator-App (zum Beispiel auf Ihrem Telefon).
mfa-enrol-qr-label = QR-Code für Ihre Authenticator-App
mfa-enrol-type-key = Oder geben Sie diesen Schlüssel in die App ein:
mfa-enrol-code-label = Geben Sie dann den 6-stelligen Code ein, den die App anzeigt
mfa-passkey-title = Passkey verwenden
mfa-passkey-heading = Bestätigen Sie mit Ihrem Passkey, dass Sie es sind
mfa-passkey-note = Ihr Passkey ist der zweite Schritt: Drücken Sie die Schaltfläche und folgen Sie Ihrem Gerät.
mfa-passkey-enrol-instead = Stattdessen eine Authenticator-App einrichten
mfa-codes-title = Wiederherstellungscodes
mfa-codes-heading = Speichern Sie Ihre Wiederherstellungscodes
mfa-codes-explain = Falls Sie Ihr Telefon verlieren, können Sie sich mit jedem dieser Codes einmal anmelden, statt mit einem Code aus der App. Bewahren Sie sie sicher auf: Sie werden nur jetzt angezeigt.
mfa-codes-saved = Ich habe sie gespeichert, weiter
second-factor-recovery-invalid = Dieser Wiederherstellungscode ist ungültig oder wurde bereits verwendet.
second-factor-confirmation-invalid = Dieser Code passt nicht. Prüfen Sie den Schlüssel in der App und geben Sie den Code ein, den sie jetzt anzeigt.
second-factor-code-invalid = Dieser Code ist falsch oder abgelaufen. Geben Sie den Code ein, den die App jetzt anzeigt.

## Konto wählen

select-account-title = Konto wählen
select-account-continue-as = Weiter als { $user }
select-account-other = Anderes Konto verwenden

## Einwilligung

consent-title = Zugriff erlauben
consent-heading = Zugriff erlauben?
consent-device-heading = Dieses Gerät verbinden?
consent-device-warning-strong = Fahren Sie nur fort, wenn Sie dies auf einem Gerät begonnen haben, das vor Ihnen steht,
consent-device-warning = und es den Code zeigt, den Sie eingegeben haben. Wenn Ihnen jemand den Code oder einen Link geschickt hat, wählen Sie „Ablehnen“: Diese Person bekäme sonst Zugang zu Ihrem Konto.
consent-would-like = { $client } möchte:
consent-allow = Erlauben
consent-deny = Ablehnen
consent-signed-in-as = Angemeldet als { $user }.
consent-not-you = Nicht Sie? Anderes Konto verwenden
scope-openid = Sie anmelden und wissen, wer Sie sind
scope-profile = Ihren Namen, Benutzernamen und Ihr Profilbild sehen
scope-email = Ihre E-Mail-Adresse sehen
scope-address = Ihre Postanschrift sehen
scope-phone = Ihre Telefonnummer sehen
scope-offline-access = Angemeldet bleiben, während Sie nicht da sind
scope-other = Zugriff: { $scope }
consent-claim = Diese Angabe Ihres Kontos sehen: { $claim }
consent-resource = { $resource } in Ihrem Namen nutzen

## Gerät anmelden

device-title = Gerät verbinden
device-enter-code = Geben Sie den Code ein, den Ihr Gerät anzeigt.
device-code = Code
device-code-wrong = Dieser Code stimmt nicht. Prüfen Sie den Code auf Ihrem Gerät und versuchen Sie es erneut.
device-code-throttled = Aus Ihrem Netzwerk wurden zu viele falsche Codes eingegeben. Versuchen Sie es in { wait-minutes } erneut.
device-code-used = Dieser Code wurde bereits verwendet: Die Anfrage wurde erlaubt oder abgelehnt. Beginnen Sie auf Ihrem Gerät neu, um einen neuen Code zu erhalten.
device-code-expired = Dieser Code ist abgelaufen. Beginnen Sie auf Ihrem Gerät neu, um einen neuen zu erhalten.
device-connected-title = Gerät verbunden
device-connected = Sie sind auf Ihrem Gerät angemeldet. Sie können diese Seite schließen und zum Gerät zurückkehren.
device-denied-title = Zugriff abgelehnt
device-denied = Das Gerät hat keinen Zugriff auf Ihr Konto erhalten. Sie können diese Seite schließen.

## Abmelden

logout-title = Abmelden
logout-heading = Abmelden?
logout-explain = Sie werden in diesem Browser von allen Anwendungen abgemeldet, die dieses Konto verwenden.
logout-requested-by = Angefordert von { $client }
logout-done-title = Abgemeldet
logout-done-heading = Sie sind abgemeldet
logout-done = Sie können dieses Fenster schließen.

## Das Konto

account-title = Ihr Konto
account-signed-in-as = Angemeldet als { $user }
account-notice-profile = Ihr Profil ist gespeichert.
account-notice-password = Ihr Passwort ist geändert. Jeder andere Browser, der bei Ihrem Konto angemeldet ist, wurde abgemeldet.
account-notice-totp-removed = Die Authenticator-App ist entfernt: Bei der Anmeldung wird nur Ihr Passwort abgefragt.
account-notice-session-ended = Die Sitzung ist beendet: Dieser Browser ist abgemeldet.
account-notice-revoked = Die Anwendung ist getrennt: Sie kann Ihr Konto nicht mehr verwenden.
account-notice-reauth = Sie haben sich erneut angemeldet. Sie können Ihre Änderung jetzt vornehmen.
account-profile = Profil
account-profile-managed = Ihr Profil wird vom Betreiber verwaltet.
account-email = E-Mail: { $email }
account-profile-save = Profil speichern
account-claim-name = Name
account-claim-given-name = Vorname
account-claim-family-name = Nachname
account-claim-middle-name = Zweiter Vorname
account-claim-nickname = Spitzname
account-claim-preferred-username = Bevorzugter Benutzername
account-claim-profile = Profilseite
account-claim-picture = Bild
account-claim-website = Website
account-claim-gender = Geschlecht
account-claim-birthdate = Geburtsdatum
account-claim-locale = Sprache und Region
account-claim-zoneinfo = Zeitzone
account-claim-phone-number = Telefonnummer
account-password = Passwort
account-password-current = Aktuelles Passwort
account-password-new = Neues Passwort
account-password-again = Neues Passwort wiederholen
account-password-change = Passwort ändern
account-factor = Anmeldung in zwei Schritten
account-factor-on = Eine Authenticator-App ist eingerichtet. Bei der Anmeldung wird ein Code daraus abgefragt. { $left ->
    [one] Ein Wiederherstellungscode ist übrig.
   *[other] { $left } Wiederherstellungscodes sind übrig.
}
account-factor-off = Keine Authenticator-App ist eingerichtet: Bei der Anmeldung wird nur Ihr Passwort abgefragt.
account-factor-set-up = Authenticator-App einrichten
account-factor-new-codes = Neue Wiederherstellungscodes
account-factor-remove = Authenticator entfernen
account-enrol-turn-on = Einschalten
account-codes-replaced = Frühere Wiederherstellungscodes gelten nicht mehr.
account-codes-back = Ich habe sie gespeichert, zurück zu Ihrem Konto
account-sessions = Wo Sie angemeldet sind
account-session-device = { $browser } unter { $system }
account-session-device-system = Ein Browser unter { $system }
account-session-device-unknown = Unbekannter Browser
account-session-this = dieser Browser
account-session-line = { $address } · angemeldet { $when }
account-session-unknown-address = unbekannte Adresse
account-session-end = Sitzung beenden
account-session-sign-out = Abmelden
account-applications = Verbundene Anwendungen
account-applications-none = Keine Anwendung hat Zugriff auf Ihr Konto.
account-application-line = { $scope } · erlaubt { $allowed } · { $used }
account-application-used = zuletzt verwendet { $when }
account-application-unused = noch nicht verwendet
account-application-disconnect = Trennen
account-signed-out-title = Abgemeldet
account-signed-out-heading = Sie sind abgemeldet
account-signed-out = Die Sitzung dieses Browsers ist beendet.
account-sign-in-again = Erneut anmelden
## Passkeys

passkey-sign-in = Mit einem Passkey anmelden
passkey-use = Passkey verwenden
passkey-use-note = Sie haben einen Passkey: Verwenden Sie ihn statt eines Codes.
passkey-offer-title = Passkey hinzufügen
passkey-offer-heading = Beim nächsten Mal schneller anmelden
passkey-offer-before = bevor Sie zu { $client } weitergehen
passkey-offer-explain = Mit einem Passkey melden Sie sich per Fingerabdruck, Gesicht oder Bildschirmsperre an statt mit einem Passwort. Er bleibt auf Ihrem Gerät (oder in Ihrem Passwort-Manager) und funktioniert nur auf dieser Website.
passkey-name-label = Geben Sie ihm einen Namen, um ihn später von anderen zu unterscheiden (zum Beispiel „Laptop“)
passkey-add = Passkey hinzufügen
passkey-not-now = Nicht jetzt

## Passwort vergessen und E-Mail-Bestätigung (Seiten)

mail-check-title = Prüfen Sie Ihr Postfach
recover-explain = Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein. Wenn ein Konto dazu passt, senden wir einen Link an seine E-Mail-Adresse, mit dem Sie ein neues Passwort wählen können.
recover-send = Link senden
recover-back = Zurück zur Anmeldung
recover-back-to-app = Kehren Sie zu der Anwendung zurück, von der Sie kommen, um sich anzumelden.
recover-sent = Wenn ein Konto zu Ihrer Eingabe passt, haben wir einen Link an seine E-Mail-Adresse gesendet. Öffnen Sie ihn innerhalb von { wait-minutes }, um ein neues Passwort zu wählen.
recover-no-email = Keine E-Mail erhalten? Sehen Sie in Ihrem Spam-Ordner nach, oder fordern Sie in ein paar Minuten erneut einen Link an.
link-dead-title = Dieser Link kann nicht verwendet werden
link-ask-again = Neuen Link anfordern
reset-title = Neues Passwort wählen
reset-password = Neues Passwort (mindestens 8 Zeichen)
reset-password-again = Dasselbe Passwort noch einmal
reset-second-step = Ihr Konto hat einen zweiten Schritt. Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App oder einen Ihrer Wiederherstellungscodes ein.
reset-code = Code aus Ihrer Authenticator-App
reset-recovery-code = Oder ein Wiederherstellungscode
reset-submit = Neues Passwort speichern
reset-done-title = Passwort geändert
reset-done-heading = Ihr Passwort wurde geändert
reset-done = Ihr neues Passwort ist gespeichert. Alle Geräte, die bei Ihrem Konto angemeldet waren, wurden abgemeldet, und wir haben Ihnen eine Benachrichtigung an Ihre E-Mail-Adresse gesendet.
reset-sign-in = Mit dem neuen Passwort anmelden
reset-back-to-app = Kehren Sie zu der Anwendung zurück, von der Sie kommen, und melden Sie sich mit Ihrem neuen Passwort an.
verify-again = Melden Sie sich an, um den Link erneut zu erhalten, oder wenden Sie sich an den Support des Dienstes.
verify-confirm-heading = Bestätigen Sie Ihre E-Mail-Adresse
verify-confirm-explain = Drücken Sie die Schaltfläche, um zu bestätigen, dass diese Adresse Ihnen gehört.
verify-confirm-button = Meine E-Mail-Adresse bestätigen
verify-done-title = E-Mail-Adresse bestätigt
verify-done-heading = Ihre E-Mail-Adresse ist bestätigt
verify-done = Vielen Dank. Sie können sich jetzt mit Ihrer E-Mail-Adresse oder mit Ihrem Benutzernamen anmelden.
verify-close = Sie können diese Seite schließen und zur Anwendung zurückkehren.
verify-first-title = E-Mail-Adresse bestätigen
verify-first-heading = Bestätigen Sie zuerst Ihre E-Mail-Adresse
verify-no-email = Keine E-Mail erhalten?
verify-resend = Link erneut senden
verify-sent = Wenn die E-Mail-Adresse dieses Kontos noch bestätigt werden muss, haben wir den Link erneut gesendet. Öffnen Sie ihn und melden Sie sich dann an.

## Passwort vergessen und E-Mail-Bestätigung (die E-Mails)

mail-link-once = Der Link funktioniert nur einmal.
mail-recovery-subject = Passwort für { $service } zurücksetzen
mail-recovery-asked = Jemand möchte das Passwort des Kontos { $username } bei { $service } zurücksetzen.
mail-recovery-open = Um ein neues Passwort zu wählen, öffnen Sie innerhalb von { wait-minutes } diesen Link:
mail-recovery-button = Neues Passwort wählen
mail-recovery-ignore = Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.
mail-verify-subject = Bestätigen Sie Ihre E-Mail-Adresse für { $service }
mail-verify-given = Diese Adresse wurde für das Konto { $username } bei { $service } angegeben.
mail-verify-open = Um zu bestätigen, dass sie Ihnen gehört, öffnen Sie diesen Link:
mail-verify-button = Meine E-Mail-Adresse bestätigen
mail-verify-ignore = Wenn Sie dieses Konto nicht kennen, ignorieren Sie diese E-Mail.
mail-changed-subject = Ihr Passwort für { $service } wurde geändert
mail-changed-done = Das Passwort des Kontos { $username } bei { $service } wurde soeben mit einem Link zum Zurücksetzen geändert, und alle Geräte, die damit angemeldet waren, wurden abgemeldet.
mail-changed-not-you = Wenn Sie das nicht waren, fordern Sie sofort einen neuen Link zum Zurücksetzen an und wenden Sie sich an den Support des Dienstes.
## Passkeys im Konto und bei der Wiederherstellung

account-notice-passkey-added = Der Passkey ist hinzugefügt: Sie können sich jetzt damit anmelden.
account-notice-passkey-renamed = Der Passkey ist umbenannt.
account-notice-passkey-removed = Der Passkey ist entfernt: Sie können sich damit nicht mehr anmelden.
account-passkeys = Passkeys
account-passkeys-explain = Mit einem Passkey melden Sie sich per Fingerabdruck, Gesicht oder Bildschirmsperre an statt mit einem Passwort.
account-passkeys-none = Sie haben noch keinen Passkey.
account-passkey-line = hinzugefügt { $added } · { $used }
account-passkey-used = zuletzt verwendet { $when }
account-passkey-unused = noch nicht verwendet
account-passkey-name = Name
account-passkey-rename = Umbenennen
account-passkey-remove = Entfernen
account-passkey-remove-named = Den Passkey { $name } entfernen
account-passkey-password = Stattdessen einen Passkey verwenden
account-passkey-password-note = Statt mit Ihrem aktuellen Passwort können Sie die Änderung mit einem Ihrer Passkeys bestätigen.
account-passkey-add-how = Wenn Sie auf die Schaltfläche klicken, bittet Ihr Browser Sie, mit Ihrem Gerät zu bestätigen.
passkey-recovery-explain = Ihr Konto hat einen Passkey. Wenn Sie das neue Passwort festlegen, bittet Ihr Browser Sie, damit zu bestätigen.
passkey-recovery-or-code = Oder bestätigen Sie statt mit einem Code mit einem Ihrer Passkeys.
passkey-recovery-button = Neues Passwort mit einem Passkey festlegen
passkey-recovery-refused = Ihr Passkey wurde nicht akzeptiert. Versuchen Sie es erneut mit einem Passkey dieses Kontos.

## Ursachen aus dem Fehlerkatalog

cause-invalid-credentials = Der Benutzername oder das Passwort ist falsch.
cause-current-password-invalid = Ihr aktuelles Passwort stimmt nicht, daher wurde das Passwort nicht geändert.
cause-new-password-rejected = Das neue Passwort muss mindestens 8 Zeichen haben, und beide Eingaben müssen übereinstimmen.
cause-profile-claim-invalid = Eines der Profilfelder konnte nicht gespeichert werden. Jeder Wert darf höchstens 512 Zeichen haben.
cause-account-session-unknown = Diese Sitzung ist bereits beendet.
cause-connected-application-unknown = Diese Anwendung ist nicht mehr mit Ihrem Konto verbunden.
cause-passkey-cancelled = Die Passkey-Anfrage wurde abgebrochen. Versuchen Sie es erneut oder verwenden Sie Ihr Passwort.
cause-passkey-timeout = Die Passkey-Anfrage hat zu lange gedauert und ist abgelaufen. Versuchen Sie es erneut.
cause-passkey-unknown = Dieser Passkey ist hier nicht mehr registriert. Melden Sie sich mit Ihrem Passwort an und fügen Sie dann einen neuen Passkey hinzu.
cause-passkey-counter-regression = Dieser Passkey wurde abgelehnt, weil das Gerät möglicherweise kopiert wurde. Melden Sie sich anders an und wenden Sie sich an Ihre Administration.
cause-passkey-attestation-refused = Dieser Passkey konnte nicht hinzugefügt werden. Versuchen Sie es erneut oder verwenden Sie ein anderes Gerät.
cause-passkey-invalid = Der Passkey konnte nicht geprüft werden. Versuchen Sie es erneut oder melden Sie sich mit Ihrem Passwort an.
cause-passkey-rp-mismatch = Passkeys funktionieren auf dieser Website wegen einer Servereinstellung nicht. Verwenden Sie Ihr Passwort und informieren Sie die Administration.
cause-mail-disabled = Dieser Dienst versendet keine E-Mails, daher ist diese Seite nicht verfügbar. Bitten Sie den Support des Dienstes, Ihr Passwort zurückzusetzen.
cause-mail-link-unknown = Dieser Link ist ungültig. Kopieren Sie den ganzen Link aus der neuesten E-Mail, oder fordern Sie einen neuen an.
cause-mail-link-expired = Dieser Link ist abgelaufen. Fordern Sie einen neuen an und verwenden Sie ihn innerhalb weniger Minuten.
cause-mail-link-used = Dieser Link wurde bereits verwendet, und jeder Link funktioniert nur einmal. Melden Sie sich mit Ihrem neuen Passwort an, oder fordern Sie einen neuen Link an.
cause-mail-throttled = Es wurden zu viele E-Mails angefordert. Warten Sie etwas und versuchen Sie es dann erneut.
cause-new-password-invalid = Wählen Sie ein Passwort mit mindestens 8 Zeichen und geben Sie es in beiden Feldern gleich ein.
cause-email-not-verified = Ihre E-Mail-Adresse ist noch nicht bestätigt. Öffnen Sie den Link in der E-Mail, die wir Ihnen geschickt haben, und melden Sie sich dann erneut an.
cause-account-passkey-unknown = Dieser Passkey gehört nicht mehr zu Ihrem Konto.

## Ursachen der Sicherheitscodes und Formulare

cause-totp-code-invalid = Dieser Code ist falsch oder abgelaufen. Geben Sie den Code ein, den die App jetzt anzeigt.
cause-totp-throttled = Es wurden zu viele falsche Codes eingegeben. Warten Sie einige Minuten und versuchen Sie es dann erneut.
cause-recovery-code-invalid = Dieser Wiederherstellungscode ist ungültig oder wurde bereits verwendet.
cause-csrf-token-invalid = Dieses Formular ist abgelaufen oder stammt aus einem anderen Browser. Laden Sie die Seite neu und versuchen Sie es erneut.
cause-console-state-mismatch = Diese Anmeldung passt zu keiner, die in diesem Browser begonnen wurde. Öffnen Sie die Konsole erneut, um sich anzumelden.
cause-console-not-administrator = Sie sind angemeldet, aber Sie sind kein Administrator dieses Latchkey.
cause-console-exchange-failed = Die Anmeldung an der Konsole wurde nicht abgeschlossen. Öffnen Sie die Konsole erneut, um sich anzumelden.
cause-console-sign-in-refused = Die Anmeldung an der Konsole wurde abgelehnt. Öffnen Sie die Konsole erneut, um sich anzumelden.
cause-console-form-invalid = Dieses Formular ist abgelaufen. Laden Sie die Seite neu und versuchen Sie es erneut.
cause-console-read-only = Sie können hier alles ansehen, aber Änderungen erfordern die Rolle admin.
