//! [`MailStore`]: the outbox of outgoing mail, and single-use links.
//! The outbox is a leased queue (see `leased`).

use super::SqlStore;
use super::leased::Queue;
use crate::db::{Db, DbRow};
use crate::error::{corrupt, map_err};
use latchkey_core::mail::{LINK_GRACE, LinkPurpose, LinkRecord, OutgoingMail};
use latchkey_core::store::{MailStore, StoreResult};

mod sql {
    pub const ENQUEUE: &str = "INSERT INTO mail_outbox \
        (id, recipient, subject, body_text, body_html, attempts, due_at, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    /// `$1` the claim, `$2` now, `$3` the lease's end, `$4` how many.
    pub const CLAIM: &str = "UPDATE mail_outbox SET claim = $1, claimed_until = $3 \
        WHERE id IN (SELECT id FROM mail_outbox WHERE due_at <= $2 AND expires_at > $2 \
            AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY due_at, id LIMIT $4) \
        AND (claimed_until IS NULL OR claimed_until <= $2) AND expires_at > $2 \
        RETURNING id, recipient, subject, body_text, body_html, attempts, due_at, created_at, expires_at";
    pub const DELETE: &str = "DELETE FROM mail_outbox WHERE id = $1 AND claim = $2";
    pub const RETRY: &str = "UPDATE mail_outbox SET attempts = attempts + 1, due_at = $3, \
        claim = NULL, claimed_until = NULL WHERE id = $1 AND claim = $2";
    pub const PURGE_OUTBOX: &str = "DELETE FROM mail_outbox WHERE id IN (SELECT id \
        FROM mail_outbox WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)";

    pub const INSERT_LINK: &str = "INSERT INTO mail_links \
        (link_hash, purpose, sub, email, created_at, expires_at, used_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub const GET_LINK: &str = "SELECT link_hash, purpose, sub, email, created_at, expires_at, used_at \
        FROM mail_links WHERE link_hash = $1 AND purpose = $2";
    /// The use-once guarantee.
    pub const USE_LINK: &str = "UPDATE mail_links SET used_at = $3 \
        WHERE link_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3";
    pub const PURGE_LINKS: &str = "DELETE FROM mail_links WHERE link_hash IN (SELECT link_hash \
        FROM mail_links WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2) AND expires_at <= $1";
}

/// The leased queue's statements (see `leased`).
const QUEUE: Queue = Queue {
    claim: sql::CLAIM,
    delete: sql::DELETE,
    retry: sql::RETRY,
};

fn outgoing(row: &impl DbRow) -> StoreResult<OutgoingMail> {
    Ok(OutgoingMail {
        id: row.try_get("id").map_err(map_err)?,
        to: row.try_get("recipient").map_err(map_err)?,
        subject: row.try_get("subject").map_err(map_err)?,
        text: row.try_get("body_text").map_err(map_err)?,
        html: row.try_get("body_html").map_err(map_err)?,
        attempts: row.try_get("attempts").map_err(map_err)?,
        due_at: row.try_get("due_at").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
    })
}

fn link(row: &impl DbRow) -> StoreResult<LinkRecord> {
    let hash: String = row.try_get("link_hash").map_err(map_err)?;
    let purpose: String = row.try_get("purpose").map_err(map_err)?;
    let Some(purpose) = LinkPurpose::parse(&purpose) else {
        return Err(corrupt(
            "purpose",
            &hash,
            format!("unknown purpose {purpose:?}"),
        ));
    };
    Ok(LinkRecord {
        purpose,
        sub: row.try_get("sub").map_err(map_err)?,
        email: row.try_get("email").map_err(map_err)?,
        created_at: row.try_get("created_at").map_err(map_err)?,
        expires_at: row.try_get("expires_at").map_err(map_err)?,
        used_at: row.try_get("used_at").map_err(map_err)?,
        hash,
    })
}

#[async_trait::async_trait]
impl<D: Db> MailStore for SqlStore<D> {
    async fn enqueue_mail(&self, m: &OutgoingMail) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::ENQUEUE)
            .bind(&m.id)
            .bind(&m.to)
            .bind(&m.subject)
            .bind(&m.text)
            .bind(&m.html)
            .bind(m.attempts)
            .bind(m.due_at)
            .bind(m.created_at)
            .bind(m.expires_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn claim_mail(
        &self,
        claim: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutgoingMail>> {
        self.claim_leased(&QUEUE, claim, now, lease_until, limit, outgoing)
            .await
    }

    async fn delete_mail(&self, id: &str, claim: &str) -> StoreResult<bool> {
        self.delete_leased(&QUEUE, id, claim).await
    }

    async fn retry_mail(&self, id: &str, claim: &str, due_at: i64) -> StoreResult<bool> {
        self.retry_leased(&QUEUE, id, claim, due_at).await
    }

    async fn insert_link(&self, l: &LinkRecord) -> StoreResult<()> {
        crate::failpoint("store.write")?;
        D::query(sql::INSERT_LINK)
            .bind(&l.hash)
            .bind(l.purpose.as_str())
            .bind(&l.sub)
            .bind(&l.email)
            .bind(l.created_at)
            .bind(l.expires_at)
            .bind(l.used_at)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn get_link(&self, hash: &str, purpose: LinkPurpose) -> StoreResult<Option<LinkRecord>> {
        crate::failpoint("store.read")?;
        let row = D::query(sql::GET_LINK)
            .bind(hash)
            .bind(purpose.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(link).transpose()
    }

    async fn use_link(&self, hash: &str, purpose: LinkPurpose, now: i64) -> StoreResult<bool> {
        crate::failpoint("store.write")?;
        let done = D::query(sql::USE_LINK)
            .bind(hash)
            .bind(purpose.as_str())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn purge_mail(&self, now: i64, limit: i64) -> StoreResult<u64> {
        if limit <= 0 {
            return Ok(0);
        }
        let outbox = D::query(sql::PURGE_OUTBOX)
            .bind(now)
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        let links = D::query(sql::PURGE_LINKS)
            .bind(now.saturating_sub(LINK_GRACE))
            .bind(limit)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(outbox.rows_affected() + links.rows_affected())
    }
}
