'use strict'
/** `brightrun.notifications`: messages to the user about datasets, jobs and costs. */

const { id, options, page } = require('./args.js')
const { read } = require('./read.js')

class Notifications {
  constructor(client) {
    this._client = client
  }

  /** A page of notifications, newest first: `{unread, limit, offset}`. */
  list(opts) {
    return this._client._call('notifications.list', page(options(opts, 'notifications.list'), ['unread']), read.notifications)
  }

  /** How many are unread. */
  unreadCount() {
    return this._client._call('notifications.unread_count', {}, read.count)
  }

  /** Marks one read. */
  markRead(notificationId) {
    return this._client._call('notifications.mark_read', { id: id(notificationId, 'the notification id') }, read.notification)
  }

  /** Marks all read; resolves to how many were unread. */
  markAllRead() {
    return this._client._call('notifications.mark_all_read', {}, read.count)
  }
}

module.exports = { Notifications }
