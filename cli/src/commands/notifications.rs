//! `brightrun notifications`: what happened to the local user's datasets, jobs and budget.

use brightrun_core::model::Notification;
use brightrun_core::store::{NotificationQuery, PageRequest};
use clap::Args;
use serde::Serialize;

use crate::error::CliError;
use crate::local::{self, LOCAL_USER};
use crate::output::{print_json, table, when};

/// Flags of `brightrun notifications`.
#[derive(Debug, Args)]
pub struct NotificationsArgs {
    /// Only unread ones.
    #[arg(long)]
    unread: bool,
    /// Mark every notification read after listing.
    #[arg(long)]
    mark_read: bool,
    /// How many to list (at most 100).
    #[arg(long, default_value_t = PageRequest::DEFAULT_LIMIT)]
    limit: u32,
    /// Print one JSON object: `items`, `total`, `unread` (before marking), `marked_read`.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Listing {
    items: Vec<Notification>,
    total: u64,
    unread: u64,
    marked_read: u64,
}

/// Runs `brightrun notifications`.
pub fn run(args: &NotificationsArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open().await?;
        let query = NotificationQuery { unread_only: args.unread, page: PageRequest::first(args.limit) };
        let page = app.list_notifications(LOCAL_USER, &query).await?;
        let unread = app.unread_notifications(LOCAL_USER).await?;
        let marked_read = if args.mark_read { app.mark_all_notifications_read(LOCAL_USER).await? } else { 0 };
        let listing = Listing { items: page.items, total: page.total, unread, marked_read };
        if args.json {
            return print_json(&listing);
        }
        let rows: Vec<Vec<String>> = listing
            .items
            .iter()
            .map(|n| {
                let mark = if n.read { "" } else { "*" };
                vec![mark.to_owned(), when(Some(n.created_at)), n.notification_type.to_string(), n.message.clone()]
            })
            .collect();
        print!("{}", table(&["", "when", "type", "message"], &rows));
        println!("{} unread of {}", listing.unread, listing.total);
        if args.mark_read {
            println!("marked {marked_read} read");
        }
        Ok(())
    })
}
