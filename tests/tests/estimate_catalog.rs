//! Every catalog model on every catalog GPU with every preset gives a complete, finite,
//! serialisable estimate: no combination a user can pick from the CLI panics or yields NaN.

use brightrun_core::config::{BASE_MODEL_CATALOG, GPU_CATALOG, GpuSelection, MAX_GPUS_PER_JOB, Preset, Quantization};
use brightrun_core::estimate::{Assumptions, DatasetSize, EstimateRequest, estimate};

#[test]
fn every_catalog_combination_estimates_cleanly() {
    let assumptions = Assumptions::default();
    let mut combinations = 0;
    for model in BASE_MODEL_CATALOG {
        for gpu in GPU_CATALOG {
            for preset in Preset::ALL {
                for quantization in Quantization::ALL {
                    for gpus in [1, MAX_GPUS_PER_JOB] {
                        let mut hp = preset.hyperparameters(model.id);
                        hp.quantization = quantization;
                        let selection = GpuSelection::new(gpu.name, gpus, None).unwrap();
                        let e = estimate(&EstimateRequest {
                            architecture: &model.architecture,
                            hyperparameters: &hp,
                            gpu: &selection,
                            dataset: DatasetSize {
                                tokens_per_epoch: 3_000_000,
                                training_examples: Some(1_500),
                                dataset_bytes: 7_000_000,
                            },
                            measured_tokens_per_second: None,
                            assumptions: &assumptions,
                        })
                        .unwrap();
                        let figures = [
                            e.duration_hours.low,
                            e.duration_hours.expected,
                            e.duration_hours.high,
                            e.memory.required_gb,
                            e.memory.margin_gb,
                        ];
                        assert!(figures.iter().all(|f| f.is_finite()), "{} {} {preset}", model.id, gpu.name);
                        assert!(
                            !e.memory.fits || e.memory.suggestions.is_empty(),
                            "a job that fits needs no suggestions"
                        );
                        let json = serde_json::to_value(&e).unwrap();
                        // In whole cents: positive, except on the free CPU (storage of a few
                        // megabytes is less than a cent).
                        let total = json["cost"]["total"].as_str().unwrap();
                        assert!(total.split_once('.').is_some_and(|(_, cents)| cents.len() == 2), "{total}");
                        let free = gpu.default_price_per_hour.amount().is_zero();
                        assert!(free || total.parse::<f64>().unwrap() > 0.0, "{} {}: {total}", model.id, gpu.name);
                        combinations += 1;
                    }
                }
            }
        }
    }
    assert_eq!(combinations, BASE_MODEL_CATALOG.len() * GPU_CATALOG.len() * 4 * 3 * 2);
}

#[test]
fn a_job_that_does_not_fit_always_says_why_and_what_to_do_when_anything_helps() {
    let assumptions = Assumptions::default();
    for model in BASE_MODEL_CATALOG {
        for gpu in GPU_CATALOG {
            let hp = Preset::Aggressive.hyperparameters(model.id);
            let selection = GpuSelection::new(gpu.name, 1, None).unwrap();
            let e = estimate(&EstimateRequest {
                architecture: &model.architecture,
                hyperparameters: &hp,
                gpu: &selection,
                dataset: DatasetSize { tokens_per_epoch: 1_000_000, training_examples: None, dataset_bytes: 0 },
                measured_tokens_per_second: None,
                assumptions: &assumptions,
            })
            .unwrap();
            if e.memory.fits {
                continue;
            }
            assert!(e.warnings.iter().any(|w| w.code == "does_not_fit"), "{} {}", model.id, gpu.name);
            for suggestion in &e.memory.suggestions {
                assert!(suggestion.required_gb <= gpu.memory_gb || suggestion.code == "larger_gpu");
            }
        }
    }
}
