//! Sanity pins and properties of the whole estimate.

use proptest::prelude::*;

use super::*;
use crate::config::{BaseModel, GpuSelection, Hyperparameters, Preset, Quantization};

fn request_for<'a>(
    model: &'static BaseModel,
    hp: &'a Hyperparameters,
    gpu: &'a GpuSelection,
    tokens: u64,
    assumptions: &'a Assumptions,
) -> EstimateRequest<'a> {
    EstimateRequest {
        architecture: &model.architecture,
        hyperparameters: hp,
        gpu,
        dataset: DatasetSize { tokens_per_epoch: tokens, training_examples: None, dataset_bytes: 0 },
        measured_tokens_per_second: None,
        assumptions,
    }
}

fn run(model_id: &str, hp: Hyperparameters, gpu: &str, gpus: u32) -> Estimate {
    let model = BaseModel::find(model_id).unwrap();
    let gpu = GpuSelection::new(gpu, gpus, None).unwrap();
    let assumptions = Assumptions::default();
    estimate(&request_for(model, &hp, &gpu, 10_000_000, &assumptions)).unwrap()
}

#[test]
fn mistral_7b_bf16_rank_16_batch_8_fits_one_a6000() {
    let mut hp = Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1");
    (hp.lora_rank, hp.batch_size, hp.max_seq_len, hp.gradient_checkpointing) = (16, 8, 2048, true);
    let e = run("mistralai/Mistral-7B-v0.1", hp, "A6000-48GB", 1);
    assert!(e.memory.fits, "{:#?}", e.memory);
    assert!(e.memory.required_gb > 20.0, "a 7B model in bf16 is not tiny: {:#?}", e.memory);
    assert!(e.memory.suggestions.is_empty());
}

#[test]
fn llama_3_70b_bf16_does_not_fit_one_h100_and_advice_names_4bit_and_more_gpus() {
    let hp = Preset::Balanced.hyperparameters("meta-llama/Meta-Llama-3-70B");
    let e = run("meta-llama/Meta-Llama-3-70B", hp, "H100-80GB", 1);
    assert!(!e.memory.fits);
    assert!(e.memory.breakdown.weights_gb > 120.0, "{:#?}", e.memory.breakdown);
    let codes: Vec<&str> = e.memory.suggestions.iter().map(|s| s.code).collect();
    assert!(codes.contains(&"quantization_4bit"), "{codes:?}");
    assert!(codes.contains(&"more_gpus"), "{codes:?}");
    assert!(e.memory.suggestions.iter().all(|s| s.required_gb <= 80.0));
    let warning = e.warnings.iter().find(|w| w.code == "does_not_fit").unwrap();
    assert!(warning.reason.contains("4bit"), "{}", warning.reason);
}

#[test]
fn llama_3_70b_4bit_fits_one_h100_with_a_small_batch() {
    let mut hp = Preset::Balanced.hyperparameters("meta-llama/Meta-Llama-3-70B");
    hp.quantization = Quantization::Nf4;
    hp.batch_size = 2;
    let e = run("meta-llama/Meta-Llama-3-70B", hp, "H100-80GB", 1);
    assert!(e.memory.fits, "{:#?}", e.memory);
    assert!(e.memory.breakdown.weights_gb < 40.0, "{:#?}", e.memory.breakdown);
}

#[test]
fn a_too_large_batch_suggests_a_smaller_one_with_the_same_effective_batch() {
    let mut hp = Preset::Balanced.hyperparameters("meta-llama/Meta-Llama-3-70B");
    hp.quantization = Quantization::Nf4;
    hp.batch_size = 32;
    let e = run("meta-llama/Meta-Llama-3-70B", hp, "H100-80GB", 1);
    let smaller = e.memory.suggestions.iter().find(|s| s.code == "smaller_batch").unwrap();
    assert!(smaller.change.contains("gradient accumulation"), "{}", smaller.change);
}

#[test]
fn duration_scales_with_tokens_and_an_8b_epoch_takes_plausible_time() {
    // 10M tokens x 5 epochs on an A100-80GB for an 8B model: ~6N FLOPs/token = 2.4e18 FLOPs
    // at 40% of 312 TFLOP/s is ~5.3 h.
    let hp = Preset::Balanced.hyperparameters("meta-llama/Meta-Llama-3-8B");
    let e = run("meta-llama/Meta-Llama-3-8B", hp, "A100-80GB", 1);
    assert!((4.0..7.0).contains(&e.duration_hours.expected), "{:?}", e.duration_hours);
    assert!(e.duration_hours.low < e.duration_hours.expected && e.duration_hours.expected < e.duration_hours.high);
    assert_eq!(e.duration.throughput_source, ThroughputSource::FlopsModel);
}

#[test]
fn a_measured_throughput_overrides_the_flops_model() {
    let model = BaseModel::find("Qwen/Qwen2.5-7B").unwrap();
    let hp = Preset::Balanced.hyperparameters(model.id);
    let gpu = GpuSelection::new("H100-80GB", 1, None).unwrap();
    let assumptions = Assumptions::default();
    let mut request = request_for(model, &hp, &gpu, 3_600_000, &assumptions);
    request.measured_tokens_per_second = Some(5_000.0);
    let e = estimate(&request).unwrap();
    assert_eq!(e.duration.throughput_source, ThroughputSource::Measured);
    // 18M tokens at 5,000 tokens/s is exactly one hour of training.
    assert!((e.duration.training_seconds.expected - 3600.0).abs() < 1e-6);
    request.measured_tokens_per_second = Some(f64::NAN);
    assert!(matches!(estimate(&request), Err(EstimateError::InvalidThroughput { .. })));
}

#[test]
fn bad_inputs_are_errors_with_codes() {
    use crate::error_code::ErrorCode;
    let model = BaseModel::find("Qwen/Qwen3-8B").unwrap();
    let gpu = GpuSelection::new("L40S-48GB", 1, None).unwrap();
    let assumptions = Assumptions::default();
    let mut hp = Preset::Balanced.hyperparameters(model.id);
    assert_eq!(estimate(&request_for(model, &hp, &gpu, 0, &assumptions)).unwrap_err().code(), "no_tokens");
    hp.epochs = 0;
    let err = estimate(&request_for(model, &hp, &gpu, 1_000, &assumptions)).unwrap_err();
    assert_eq!(err.code(), "invalid_hyperparameters");
}

#[test]
fn dataset_aware_warnings_are_included() {
    let model = BaseModel::find("Qwen/Qwen3-8B").unwrap();
    let mut hp = Preset::Aggressive.hyperparameters(model.id);
    hp.max_seq_len = 65_536;
    let gpu = GpuSelection::new("H200-141GB", 1, None).unwrap();
    let assumptions = Assumptions::default();
    let mut request = request_for(model, &hp, &gpu, 50_000, &assumptions);
    request.dataset.training_examples = Some(40);
    let e = estimate(&request).unwrap();
    let codes: Vec<&str> = e.warnings.iter().map(|w| w.code).collect();
    for code in ["sequence_beyond_context", "warmup_longer_than_run", "many_epochs_small_dataset"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
}

#[test]
fn json_has_the_fields_hosts_read() {
    let e = run(
        "mistralai/Mistral-7B-v0.1",
        Preset::Balanced.hyperparameters("mistralai/Mistral-7B-v0.1"),
        "A6000-48GB",
        1,
    );
    let json = serde_json::to_value(&e).unwrap();
    for pointer in [
        "/duration_hours/low",
        "/duration_hours/expected",
        "/duration_hours/high",
        "/memory/required_gb",
        "/memory/available_gb",
        "/memory/fits",
        "/warnings",
    ] {
        assert!(json.pointer(pointer).is_some(), "{pointer} missing");
    }
    assert!(json.pointer("/cost/total").unwrap().is_string());
    assert_eq!(json.pointer("/cost/currency").unwrap(), "USD");
}

fn any_catalog_model() -> impl Strategy<Value = &'static BaseModel> {
    prop::sample::select(crate::config::BASE_MODEL_CATALOG.iter().collect::<Vec<_>>())
}

fn any_gpu_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(crate::config::GPU_CATALOG.iter().map(|g| g.name).collect::<Vec<_>>())
}

fn any_hyperparameters() -> impl Strategy<Value = Hyperparameters> {
    (
        prop::sample::select(Preset::ALL.to_vec()),
        prop::sample::select(Quantization::ALL.to_vec()),
        any::<bool>(),
        1u32..=64,
    )
        .prop_map(|(preset, quantization, checkpointing, batch)| Hyperparameters {
            quantization,
            gradient_checkpointing: checkpointing,
            batch_size: batch,
            ..preset.hyperparameters("m")
        })
}

proptest! {
    #[test]
    fn more_tokens_never_take_less_time_or_cost_less(
        model in any_catalog_model(),
        hp in any_hyperparameters(),
        gpu in any_gpu_name(),
        gpus in 1u32..=8,
        tokens in 1u64..=10_000_000_000,
        extra in 0u64..=1_000_000_000,
    ) {
        let gpu = GpuSelection::new(gpu, gpus, None).unwrap();
        let assumptions = Assumptions::default();
        let fewer = estimate(&request_for(model, &hp, &gpu, tokens, &assumptions)).unwrap();
        let more = estimate(&request_for(model, &hp, &gpu, tokens + extra, &assumptions)).unwrap();
        for (f, m) in [
            (fewer.duration_hours.low, more.duration_hours.low),
            (fewer.duration_hours.expected, more.duration_hours.expected),
            (fewer.duration_hours.high, more.duration_hours.high),
        ] {
            prop_assert!(m >= f);
        }
        prop_assert!(more.cost.total >= fewer.cost.total);
        prop_assert!(more.cost.total_range.high >= fewer.cost.total_range.high);
    }

    #[test]
    fn more_gpus_of_the_same_kind_never_take_longer(
        model in any_catalog_model(),
        hp in any_hyperparameters(),
        gpu in any_gpu_name(),
        gpus in 1u32..8,
        tokens in 1u64..=10_000_000_000,
    ) {
        let assumptions = Assumptions::default();
        let fewer_gpus = GpuSelection::new(gpu, gpus, None).unwrap();
        let more_gpus = GpuSelection::new(gpu, gpus + 1, None).unwrap();
        let fewer = estimate(&request_for(model, &hp, &fewer_gpus, tokens, &assumptions)).unwrap();
        let more = estimate(&request_for(model, &hp, &more_gpus, tokens, &assumptions)).unwrap();
        prop_assert!(more.duration_hours.expected <= fewer.duration_hours.expected);
        prop_assert!(more.duration_hours.low <= fewer.duration_hours.low);
        prop_assert!(more.duration_hours.high <= fewer.duration_hours.high);
        prop_assert!(more.memory.required_gb <= fewer.memory.required_gb);
    }

    #[test]
    fn compute_cost_is_hours_times_rate_times_gpus_exactly(
        model in any_catalog_model(),
        hp in any_hyperparameters(),
        gpu in any_gpu_name(),
        gpus in 1u32..=8,
        tokens in 1u64..=10_000_000_000,
        cents in 1i64..=100_000,
    ) {
        let rate = crate::model::Money::new(rust_decimal::Decimal::new(cents, 2));
        let gpu = GpuSelection::new(gpu, gpus, Some(rate)).unwrap();
        let assumptions = Assumptions::default();
        let e = estimate(&request_for(model, &hp, &gpu, tokens, &assumptions)).unwrap();
        let gpu_count = rust_decimal::Decimal::from(gpus);
        for (hours, compute) in [
            (e.cost.billable_hours.low, e.cost.compute.low),
            (e.cost.billable_hours.expected, e.cost.compute.expected),
            (e.cost.billable_hours.high, e.cost.compute.high),
        ] {
            let exact = crate::model::Money::new(hours * rate.amount() * gpu_count);
            prop_assert_eq!(compute, exact.round_to_cents());
            prop_assert_eq!(compute.amount().scale(), crate::model::CENT_DECIMALS);
        }
        prop_assert_eq!(e.cost.total, e.cost.compute.expected + e.cost.storage);
    }

    #[test]
    fn hostile_numbers_give_an_estimate_in_range_or_a_coded_error(
        model in any_catalog_model(),
        hp in any_hyperparameters(),
        gpu in any_gpu_name(),
        gpus in 1u32..=8,
        tokens in hostile_count(),
        examples in proptest::option::of(hostile_count()),
        dataset_bytes in hostile_count(),
        measured in proptest::option::of(hostile_float()),
        price in proptest::option::of(hostile_money()),
    ) {
        let gpu = match GpuSelection::new(gpu, gpus, price) {
            Ok(gpu) => gpu,
            Err(err) => {
                prop_assert_eq!(crate::ErrorCode::code(&err), "invalid_price");
                return Ok(());
            }
        };
        let assumptions = Assumptions::default();
        let request = EstimateRequest {
            dataset: DatasetSize { tokens_per_epoch: tokens, training_examples: examples, dataset_bytes },
            measured_tokens_per_second: measured,
            ..request_for(model, &hp, &gpu, tokens, &assumptions)
        };
        match estimate(&request) {
            Ok(e) => assert_in_range(&e)?,
            Err(err) => {
                let code = crate::ErrorCode::code(&err);
                prop_assert!(["no_tokens", "invalid_throughput", "estimate_out_of_range"].contains(&code), "{}", code);
            }
        }
    }

    #[test]
    fn hostile_flat_options_give_an_estimate_in_range_or_a_coded_error(
        model in any_catalog_model(),
        gpu in any_gpu_name(),
        tokens in hostile_float(),
        gpus in proptest::option::of(hostile_float()),
        examples in proptest::option::of(hostile_float()),
        dataset_bytes in proptest::option::of(hostile_float()),
        measured in proptest::option::of(hostile_float()),
        epochs in proptest::option::of(hostile_float()),
        batch_size in proptest::option::of(hostile_float()),
        learning_rate in proptest::option::of(hostile_float()),
        max_seq_len in proptest::option::of(hostile_float()),
        price in proptest::option::of(hostile_money()),
    ) {
        let options = FlatEstimateOptions {
            base_model: model.id.to_owned(),
            gpu: gpu.to_owned(),
            tokens,
            gpus,
            examples,
            dataset_bytes,
            measured_tokens_per_second: measured,
            epochs,
            batch_size,
            learning_rate,
            max_seq_len,
            price_per_gpu_hour: price.map(|p| p.to_string()),
            ..FlatEstimateOptions::default()
        };
        match options.into_options().and_then(|o| o.estimate()) {
            Ok(e) => assert_in_range(&e)?,
            Err(err) => {
                let code = crate::ErrorCode::code(&err);
                prop_assert!(
                    [
                        "invalid_number",
                        "invalid_gpu_count",
                        "invalid_price",
                        "invalid_hyperparameters",
                        "no_tokens",
                        "invalid_throughput",
                        "estimate_out_of_range",
                    ]
                    .contains(&code),
                    "{}: {}",
                    code,
                    err
                );
            }
        }
    }
}

/// Counts from everywhere in `u64`, with the edges more often.
fn hostile_count() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        Just(u64::MAX),
        Just(i64::MAX as u64),
        Just(MAX_SAFE_INTEGER),
        Just(100_000_000_000),
        any::<u64>(),
        1u64..=10_000_000,
    ]
}

/// Floats from everywhere, with the non-finite, tiny, negative and huge ones more often.
fn hostile_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(-1.0),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(1e-300),
        Just(1e300),
        Just(f64::MAX),
        Just(1e11),
        any::<f64>(),
        1.0f64..1e6,
    ]
}

/// Amounts of money of every sign, scale and size a decimal holds.
fn hostile_money() -> impl Strategy<Value = crate::model::Money> {
    prop_oneof![
        (any::<i64>(), 0u32..=28).prop_map(|(mantissa, scale)| rust_decimal::Decimal::new(mantissa, scale)),
        Just(rust_decimal::Decimal::MAX),
        Just(rust_decimal::Decimal::MIN),
        (0i64..=1_000_000, 0u32..=4).prop_map(|(mantissa, scale)| rust_decimal::Decimal::new(mantissa, scale)),
    ]
    .prop_map(crate::model::Money::new)
}

/// What every successful estimate keeps to, whatever its inputs: finite durations within
/// [`MAX_ESTIMATED_HOURS`], in order; money in whole cents, never negative, adding up.
fn assert_in_range(e: &Estimate) -> Result<(), TestCaseError> {
    let d = e.duration_hours;
    for hours in [d.low, d.expected, d.high] {
        prop_assert!(hours.is_finite() && (0.0..=MAX_ESTIMATED_HOURS).contains(&hours), "{:?}", d);
    }
    let c = &e.cost;
    let money = [c.compute.low, c.compute.expected, c.compute.high, c.storage, c.total].into_iter().chain([
        c.total_range.low,
        c.total_range.expected,
        c.total_range.high,
    ]);
    for amount in money {
        prop_assert!(amount >= crate::model::Money::ZERO, "{}", amount);
        prop_assert_eq!(amount.amount().scale(), crate::model::CENT_DECIMALS, "{} is not in cents", amount);
    }
    prop_assert_eq!(c.total, c.compute.expected + c.storage);
    prop_assert!(c.total_range.low <= c.total && c.total <= c.total_range.high);
    prop_assert!(serde_json::to_string(e).is_ok());
    Ok(())
}
