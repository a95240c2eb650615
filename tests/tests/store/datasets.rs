//! Datasets: round trips, updates, soft deletes, listings and validation reports.

use std::sync::Arc;

use brightrun_core::ErrorCode;
use brightrun_core::model::{DatasetFormat, DatasetStatus, UserId};
use brightrun_core::store::{Database, DatasetQuery, DatasetSort, PageRequest, SortDirection, ValidationReport};

use crate::fixtures::{at, dataset};
use crate::on_both_backends;

on_both_backends!(
    a_dataset_round_trips_updates_and_soft_deletes,
    datasets_of_every_format_are_stored,
    listings_filter_search_sort_and_page,
    validation_reports_are_kept
);

/// Every format the validator recognises is one the database takes (migration 0007 widened
/// the CHECK for prompt/completion, Alpaca and ShareGPT, 0008 for plain text, 0009 for Gemini).
async fn datasets_of_every_format_are_stored(db: Arc<dyn Database>) {
    let user = UserId::new();
    for format in DatasetFormat::ALL {
        let mut stored = dataset(user, format.as_str());
        stored.format = format;
        db.insert_dataset(&stored).await.unwrap();
        assert_eq!(db.get_dataset(user, stored.id).await.unwrap().format, format);
    }
}

async fn a_dataset_round_trips_updates_and_soft_deletes(db: Arc<dyn Database>) {
    let user = UserId::new();
    let mut stored = dataset(user, "Consultant conversations");
    db.insert_dataset(&stored).await.unwrap();
    assert_eq!(db.get_dataset(user, stored.id).await.unwrap(), stored, "every field, times to the microsecond");
    assert_eq!(db.insert_dataset(&stored).await.unwrap_err().code(), "conflict");

    stored.name = "renamed".into();
    stored.status = DatasetStatus::Ready;
    stored.training_ready = true;
    stored.validation_errors.clear();
    stored.statistics = None;
    stored.avg_tokens_per_example = None;
    stored.updated_at = at(5);
    assert_eq!(db.update_dataset(&stored).await.unwrap(), stored);
    assert_eq!(db.get_dataset(user, stored.id).await.unwrap(), stored);

    db.delete_dataset(user, stored.id, at(6)).await.unwrap();
    assert_eq!(db.get_dataset(user, stored.id).await.unwrap_err().code(), "not_found");
    assert_eq!(db.delete_dataset(user, stored.id, at(7)).await.unwrap_err().code(), "not_found");
    assert_eq!(db.update_dataset(&stored).await.unwrap_err().code(), "not_found");
    assert_eq!(db.list_datasets(user, &DatasetQuery::default()).await.unwrap().total, 0);
}

async fn listings_filter_search_sort_and_page(db: Arc<dyn Database>) {
    let user = UserId::new();
    for i in 0..20_u64 {
        let mut item = dataset(user, &format!("set-{i:02}"));
        item.file_size = 1_000 + (i * 7919) % 97;
        item.status = if i % 4 == 0 { DatasetStatus::Ready } else { DatasetStatus::Validating };
        item.training_ready = i % 4 == 0;
        item.format = if i % 5 == 0 { DatasetFormat::Chat } else { DatasetFormat::BrightrunLoraV4 };
        item.created_at = at(i as i64);
        db.insert_dataset(&item).await.unwrap();
    }
    for name in ["100% real", "100_percent", "a_b", "aXb", "back\\slash"] {
        db.insert_dataset(&dataset(user, name)).await.unwrap();
    }
    let deleted = dataset(user, "set-deleted");
    db.insert_dataset(&deleted).await.unwrap();
    db.delete_dataset(user, deleted.id, at(30)).await.unwrap();
    db.insert_dataset(&dataset(UserId::new(), "set-of-another-user")).await.unwrap();

    let names = |query: DatasetQuery| {
        let db = db.clone();
        async move {
            let page = db.list_datasets(user, &query).await.unwrap();
            (page.items.into_iter().map(|d| d.name).collect::<Vec<_>>(), page.total)
        }
    };
    let search = |text: &str| DatasetQuery {
        name_contains: Some(text.into()),
        sort: DatasetSort::Name,
        direction: SortDirection::Ascending,
        ..DatasetQuery::default()
    };

    assert_eq!(names(search("%")).await, (vec!["100% real".to_string()], 1), "% is data");
    assert_eq!(names(search("a_b")).await, (vec!["a_b".to_string()], 1), "_ is data");
    assert_eq!(names(search("\\")).await, (vec!["back\\slash".to_string()], 1));
    assert_eq!(names(search("SET-0")).await.1, 10, "ASCII case is ignored; deleted and foreign rows are not listed");
    assert_eq!(names(search("nothing like it")).await, (vec![], 0));

    let ready = DatasetQuery { status: Some(DatasetStatus::Ready), ..DatasetQuery::default() };
    assert_eq!(names(ready).await.1, 5);
    let chat = DatasetQuery { format: Some(DatasetFormat::Chat), ..DatasetQuery::default() };
    assert_eq!(names(chat).await.1, 4);
    let trainable = DatasetQuery { training_ready: Some(true), ..DatasetQuery::default() };
    assert_eq!(names(trainable).await.1, 5);

    let page = |offset| DatasetQuery {
        name_contains: Some("set-".into()),
        sort: DatasetSort::Name,
        direction: SortDirection::Ascending,
        page: PageRequest { limit: 6, offset },
        ..DatasetQuery::default()
    };
    assert_eq!(
        names(page(0)).await,
        (["set-00", "set-01", "set-02", "set-03", "set-04", "set-05"].map(String::from).to_vec(), 20)
    );
    assert_eq!(names(page(18)).await.0, ["set-18", "set-19"]);

    let newest =
        DatasetQuery { name_contains: Some("set-".into()), page: PageRequest::first(3), ..DatasetQuery::default() };
    assert_eq!(names(newest).await.0, ["set-19", "set-18", "set-17"], "newest first by default");
    let by_size = DatasetQuery {
        name_contains: Some("set-".into()),
        sort: DatasetSort::FileSize,
        direction: SortDirection::Descending,
        page: PageRequest::first(100),
        ..DatasetQuery::default()
    };
    let sizes: Vec<u64> = db.list_datasets(user, &by_size).await.unwrap().items.iter().map(|d| d.file_size).collect();
    assert!(sizes.windows(2).all(|pair| pair[0] >= pair[1]), "{sizes:?}");

    let too_deep = DatasetQuery {
        page: PageRequest { limit: 10, offset: PageRequest::MAX_OFFSET + 1 },
        ..DatasetQuery::default()
    };
    assert_eq!(db.list_datasets(user, &too_deep).await.unwrap_err().code(), "invalid_input");
}

async fn validation_reports_are_kept(db: Arc<dyn Database>) {
    let user = UserId::new();
    let item = dataset(user, "reported");
    db.insert_dataset(&item).await.unwrap();
    assert_eq!(db.validation_report(user, item.id).await.unwrap(), None);

    let inline =
        ValidationReport::Inline(serde_json::json!({"findings": [{"code": "x", "line": 3}], "counts": {"x": 1}}));
    db.save_validation_report(user, item.id, &inline, at(2)).await.unwrap();
    assert_eq!(db.validation_report(user, item.id).await.unwrap(), Some(inline));

    let stored = ValidationReport::Stored { path: format!("datasets/{user}/{}/report.json", item.id) };
    db.save_validation_report(user, item.id, &stored, at(3)).await.unwrap();
    assert_eq!(db.validation_report(user, item.id).await.unwrap(), Some(stored));
    assert_eq!(db.get_dataset(user, item.id).await.unwrap().updated_at, at(3));
}
