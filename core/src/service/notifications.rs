//! Notifications: list, count, mark read.

use super::{BrightRun, ServiceError};
use crate::model::{Notification, NotificationId, Timestamp, UserId};
use crate::store::{NotificationQuery, Page};

impl BrightRun {
    /// A page of the user's notifications, newest first.
    pub async fn list_notifications(
        &self,
        user_id: UserId,
        query: &NotificationQuery,
    ) -> Result<Page<Notification>, ServiceError> {
        Ok(self.db.list_notifications(user_id, query).await?)
    }

    /// How many are unread.
    pub async fn unread_notifications(&self, user_id: UserId) -> Result<u64, ServiceError> {
        Ok(self.db.unread_notifications(user_id).await?)
    }

    /// Marks one read.
    pub async fn mark_notification_read(
        &self,
        user_id: UserId,
        id: NotificationId,
    ) -> Result<Notification, ServiceError> {
        Ok(self.db.mark_notification_read(user_id, id, Timestamp::now()).await?)
    }

    /// Marks all read; returns how many changed.
    pub async fn mark_all_notifications_read(&self, user_id: UserId) -> Result<u64, ServiceError> {
        Ok(self.db.mark_all_notifications_read(user_id, Timestamp::now()).await?)
    }
}
