//! Rows no writer may store, refused alike by both databases (migration 0004) with the code
//! `constraint_violation`: negative or sub-cent money, text a client could not write through
//! the service, a read time on an unread notification. A refused write leaves nothing behind.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{CostType, JobTransition, Money, UserId};
use brightrun_core::store::{Database, JobProgress, StoreError};

use crate::fixtures::{at, cost, dataset, job, notification};
use crate::on_both_backends;

on_both_backends!(
    prices_and_job_costs_are_non_negative_and_costs_in_cents,
    cost_records_are_non_negative_whole_cents,
    dataset_text_is_what_the_service_accepts,
    a_notification_is_read_before_it_has_a_read_time,
);

#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, StoreError>, constraint: &str) {
    let err = result.unwrap_err();
    assert_eq!(err.code(), "constraint_violation", "{err}");
    assert!(err.to_string().contains(constraint), "{err} names {constraint}");
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

async fn prices_and_job_costs_are_non_negative_and_costs_in_cents(db: Arc<dyn Database>) {
    let user = UserId::new();
    let data = dataset(user, "money");
    db.insert_dataset(&data).await.unwrap();

    let mut negative_price = job(user, data.id);
    negative_price.gpu.price_per_gpu_hour = money("-0.0001");
    refused(db.insert_job(&negative_price).await, "training_jobs_price_per_gpu_hour_valid");
    let mut sub_cent_estimate = job(user, data.id);
    sub_cent_estimate.estimated_total_cost = Some(money("12.345"));
    refused(db.insert_job(&sub_cent_estimate).await, "training_jobs_estimated_total_cost_in_cents");
    let mut negative_cost = job(user, data.id);
    negative_cost.current_cost = money("-0.01");
    refused(db.insert_job(&negative_cost).await, "training_jobs_current_cost_in_cents");
    let mut sub_cent_final = job(user, data.id);
    sub_cent_final.final_cost = Some(money("1.001"));
    refused(db.insert_job(&sub_cent_final).await, "training_jobs_final_cost_in_cents");
    for refused_job in [&negative_price, &sub_cent_estimate, &negative_cost, &sub_cent_final] {
        assert_eq!(db.get_job(user, refused_job.id).await.unwrap_err().code(), "not_found");
    }

    // A price may have any number of decimals; a cost has whole cents, trailing zeros or not.
    let mut fine = job(user, data.id);
    fine.gpu.price_per_gpu_hour = money("0.0001234");
    fine.estimated_total_cost = Some(money("7.500"));
    db.insert_job(&fine).await.unwrap();
    db.transition_job(user, fine.id, JobTransition::Initialize, None, None, at(1)).await.unwrap();
    db.transition_job(user, fine.id, JobTransition::Start, None, None, at(2)).await.unwrap();
    let progress = |cost: &str| JobProgress { progress_percent: 5.0, current_cost: money(cost), ..Default::default() };
    for bad in ["0.005", "-1"] {
        refused(
            db.update_job_progress(user, fine.id, &progress(bad), at(3)).await,
            "training_jobs_current_cost_in_cents",
        );
    }
    assert_eq!(db.get_job(user, fine.id).await.unwrap().current_cost, Money::ZERO);
    db.update_job_progress(user, fine.id, &progress("0.01"), at(3)).await.unwrap();
}

async fn cost_records_are_non_negative_whole_cents(db: Arc<dyn Database>) {
    let user = UserId::new();
    let record = cost(user, None, CostType::Storage, "-4.20", at(1));
    refused(db.insert_cost(&record).await, "cost_records_amount_in_cents");
    assert_eq!(db.list_costs(user, brightrun_core::model::BillingPeriod::containing(at(1))).await.unwrap(), []);
    // Sub-cent amounts are the store's own refusal, before the database's.
    let sub_cent = cost(user, None, CostType::Storage, "4.201", at(1));
    assert_eq!(db.insert_cost(&sub_cent).await.unwrap_err().code(), "invalid_input");
    db.insert_cost(&cost(user, None, CostType::Storage, "0.00", at(1))).await.unwrap();
}

async fn dataset_text_is_what_the_service_accepts(db: Arc<dyn Database>) {
    let user = UserId::new();
    for (name, description, constraint) in [
        (String::new(), None, "datasets_name_valid"),
        (" \t\n ".into(), None, "datasets_name_valid"),
        ("n".repeat(201), None, "datasets_name_valid"),
        ("bell\u{7}".into(), None, "datasets_name_valid"),
        ("c1 control\u{85}".into(), None, "datasets_name_valid"),
        ("ok".into(), Some("d".repeat(2001)), "datasets_description_valid"),
        ("ok".into(), Some("escape \u{1b}[31m".into()), "datasets_description_valid"),
    ] {
        let mut bad = dataset(user, &name);
        bad.description = description;
        refused(db.insert_dataset(&bad).await, constraint);
    }
    let mut fine = dataset(user, &"é".repeat(200));
    fine.description = Some(format!("{}\tline\nnext", "d".repeat(1990)));
    db.insert_dataset(&fine).await.unwrap();
    let mut renamed = fine.clone();
    renamed.name = String::new();
    refused(db.update_dataset(&renamed).await, "datasets_name_valid");
    assert_eq!(db.get_dataset(user, fine.id).await.unwrap(), fine);
}

async fn a_notification_is_read_before_it_has_a_read_time(db: Arc<dyn Database>) {
    let user = UserId::new();
    let mut unread = notification(user, 1);
    unread.read_at = Some(at(2));
    refused(db.insert_notification(&unread).await, "notifications_read_at_only_when_read");
    let mut read = notification(user, 1);
    (read.read, read.read_at) = (true, Some(at(2)));
    db.insert_notification(&read).await.unwrap();
}
