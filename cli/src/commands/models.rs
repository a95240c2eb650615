//! `brightrun models`: the local user's trained adapters, newest first.

use brightrun_core::store::{ArtifactQuery, PageRequest};
use clap::Args;

use crate::error::CliError;
use crate::local::{self, LOCAL_USER};
use crate::output::{money, number, print_json, table, when};

/// Flags of `brightrun models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// How many to list (at most 100).
    #[arg(long, default_value_t = PageRequest::DEFAULT_LIMIT)]
    limit: u32,
    /// Print the page as one JSON object (`items`, `total`).
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun models`.
pub fn run(args: &ModelsArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open().await?;
        let query = ArtifactQuery { page: PageRequest::first(args.limit), ..ArtifactQuery::default() };
        let page = app.list_models(LOCAL_USER, &query).await?;
        if args.json {
            return print_json(&page);
        }
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .map(|m| {
                let q = &m.quality_metrics;
                vec![
                    m.id.to_string(),
                    m.name.clone(),
                    m.status.to_string(),
                    number(q.final_training_loss, 3),
                    number(q.final_validation_loss, 3),
                    q.convergence_quality.map_or_else(|| "-".to_owned(), |c| c.to_string()),
                    money(m.training_summary.final_cost),
                    when(Some(m.created_at)),
                ]
            })
            .collect();
        print!("{}", table(&["id", "name", "status", "loss", "val loss", "convergence", "cost", "created"], &rows));
        println!("{} of {} models; `brightrun download ID --out DIR` copies one", page.items.len(), page.total);
        Ok(())
    })
}
