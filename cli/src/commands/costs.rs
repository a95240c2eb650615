//! `brightrun costs`: this month's spending by type, against the budget.

use clap::Args;

use crate::error::CliError;
use crate::local::{self, LOCAL_USER};
use crate::output::{money, print_json, table};

/// Flags of `brightrun costs`.
#[derive(Debug, Args)]
pub struct CostsArgs {
    /// Print one JSON object: `month` (`period`, `total`, `by_type`), `budget`,
    /// `budget_used_percent`; amounts are exact decimal strings.
    #[arg(long)]
    json: bool,
}

/// Runs `brightrun costs`.
pub fn run(args: &CostsArgs) -> Result<(), CliError> {
    local::block_on(async {
        let app = local::open().await?;
        let summary = app.cost_summary(LOCAL_USER).await?;
        if args.json {
            return print_json(&summary);
        }
        let month = &summary.month;
        println!("{} to {}: {}", month.period.start, month.period.end, money(month.total));
        let rows: Vec<Vec<String>> =
            month.by_type.iter().map(|(kind, amount)| vec![kind.to_string(), money(*amount)]).collect();
        print!("{}", table(&["type", "amount"], &rows));
        let budget = &summary.budget;
        match (budget.monthly_budget, summary.budget_used_percent) {
            (Some(limit), Some(used)) => println!(
                "Budget {} a month: {used:.1}% used (alert at {}%)",
                money(limit),
                budget.alert_threshold_percent
            ),
            _ => println!("No monthly budget set"),
        }
        if let Some(cap) = budget.per_job_cost_cap {
            println!("Jobs stop at {} each", money(cap));
        }
        Ok(())
    })
}
