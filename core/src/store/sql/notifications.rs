//! The `notifications` table.

use super::statement::Statement;
use super::{Driver, Filter, fetch_count, fetch_one, rows};
use crate::model::{Notification, NotificationId, Timestamp, UserId};
use crate::store::{NotificationQuery, Page, StoreError};

const ENTITY: &str = "notification";

/// The insert of a notification, with `on_conflict` after it.
fn insert_statement(notification: &Notification, on_conflict: &str) -> Statement {
    let mut statement = Statement::new(
        "INSERT INTO notifications (id, user_id, notification_type, title, message, priority, read, read_at, \
         action_url, metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(notification.id)
    .bind(notification.user_id)
    .bind(notification.notification_type.as_str())
    .bind(notification.title.as_str())
    .bind(notification.message.as_str())
    .bind(notification.priority.as_str())
    .bind(notification.read)
    .bind(notification.read_at)
    .bind(notification.action_url.as_deref())
    .bind(notification.metadata.clone())
    .bind(notification.created_at);
    statement.push(on_conflict);
    statement
}

/// Stores a notification unless one with its id is there already: the insert that goes
/// with the change it announces, in one transaction.
pub(super) fn insert_once(notification: &Notification) -> Statement {
    insert_statement(notification, " ON CONFLICT (id) DO NOTHING")
}

pub(super) async fn insert<D: Driver>(db: &D, notification: &Notification) -> Result<(), StoreError> {
    db.execute(insert_statement(notification, "")).await.map_err(|err| err.on_insert(ENTITY, notification.id))?;
    Ok(())
}

pub(super) async fn list<D: Driver>(
    db: &D,
    user_id: UserId,
    query: &NotificationQuery,
) -> Result<Page<Notification>, StoreError> {
    let unread = if query.unread_only { " AND read = FALSE" } else { "" };
    Filter::new("notifications", user_id, unread)
        .page(db, "created_at DESC, id DESC", query.page, rows::notification)
        .await
}

pub(super) async fn unread<D: Driver>(db: &D, user_id: UserId) -> Result<u64, StoreError> {
    let statement =
        Statement::new("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read = FALSE").bind(user_id);
    fetch_count(db, statement).await
}

pub(super) async fn mark_read<D: Driver>(
    db: &D,
    user_id: UserId,
    id: NotificationId,
    now: Timestamp,
) -> Result<Notification, StoreError> {
    let statement = Statement::new(
        "UPDATE notifications SET read = TRUE, read_at = COALESCE(read_at, $3) \
         WHERE id = $1 AND user_id = $2 RETURNING *",
    )
    .bind(id)
    .bind(user_id)
    .bind(now);
    fetch_one(db, statement, rows::notification).await?.ok_or_else(|| StoreError::not_found(ENTITY, id))
}

pub(super) async fn mark_all_read<D: Driver>(db: &D, user_id: UserId, now: Timestamp) -> Result<u64, StoreError> {
    let statement =
        Statement::new("UPDATE notifications SET read = TRUE, read_at = $2 WHERE user_id = $1 AND read = FALSE")
            .bind(user_id)
            .bind(now);
    db.execute(statement).await
}
