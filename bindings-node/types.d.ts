// The core's records and results as TypeScript types. GENERATED: do not edit.
//
// Written by scripts/generate-types from schema/brightrun.schema.json, which
// core/tests/schema.rs generates from the core's Rust types; both are drift-checked.
// Field names are camelCase; keys of maps and tag values are the core's.
// Money and exact decimals are strings, times ISO-8601 UTC strings, ids strings.

/** What the holder of a location may do. */
export type Access = "download" | "upload"

/** One warning about a hyperparameter choice. */
export interface Advice {
  /** Stable code, e.g. `warmup_longer_than_run`. */
  code: string
  /** The hyperparameter concerned. */
  field: string
  /** What was seen, with the numbers. */
  message: string
  /** Why it matters and what to do instead. */
  reason: string
}

/** The closed interval of a hyperparameter's allowed values. */
export interface AllowedRange {
  /** The largest allowed value. */
  max: number
  /** The smallest allowed value. */
  min: number
}

/** The configuration the adapter was trained with. */
export interface ArtifactConfiguration {
  /** The GPUs and their price. */
  gpu: GpuSelection
  /** The hyperparameters of the run. */
  hyperparameters: Hyperparameters
  /** The preset the hyperparameters started from. */
  preset: Preset
}

/** One file of an adapter (`adapter_model.safetensors`, `adapter_config.json`, ...). */
export interface ArtifactFile {
  /** Size in bytes. */
  bytes: number
  /** File name inside the artifact's storage prefix. */
  name: string
  /** Lowercase hex SHA-256 of the content. */
  sha256: string
}

/** Where an artifact is in its life. */
export type ArtifactStatus = "stored" | "archived" | "deleted"

/** A catalog entry: a Hub id and its architecture. */
export interface BaseModel {
  /** The architecture. */
  architecture: ModelArchitecture
  /** Human name. */
  displayName: string
  /** Hugging Face Hub id. */
  id: string
}

/** A billing period: one calendar month in UTC, both ends inclusive. */
export interface BillingPeriod {
  /** The last day of the month. */
  end: string
  /** The first day of the month. */
  start: string
}

/** A user's spending limits. */
export interface BudgetSettings {
  /** Alert when the month's spending reaches this percentage of the budget (1 to 100). */
  alertThresholdPercent: number
  /** The most the user wants to spend in a calendar month; `None` for no limit. */
  monthlyBudget?: string
  /** The most one job may cost; `None` for no cap. */
  perJobCostCap?: string
}

/** How well the training loss converged, judged from the loss curve. */
export type ConvergenceQuality = "excellent" | "good" | "fair" | "poor"

/** A conversation in canonical form: what the trainer learns from. */
export interface Conversation {
  /**
   * The messages in order: an optional system message, then user and assistant turns
   * (and `tool` results after an assistant's tool calls).
   */
  messages: Array<Message>
  /** Where it came from. */
  source: Source
  /** Train or validation. */
  split: Split
  /**
   * The tools its assistant messages may call (chat with tools). Left out of JSON when
   * `None`.
   */
  tools?: Array<Tool>
}

/** What a conversion wrote and skipped. */
export interface ConvertSummary {
  /** The input's format; `None` for a file without records. */
  format?: DatasetFormat
  /** How the input was laid out. */
  layout: Layout
  /** Records skipped because they had an error (run a validation to see them). */
  skippedInvalid: number
  /** Validation copies of conversations already in the training split, skipped. */
  skippedOverlap: number
  /**
   * Conversations skipped because nothing in them is trained on (v4 user turns,
   * `weight: 0`).
   */
  skippedUntrained: number
  /** Conversations written to the training file. */
  trainConversations: number
  /** The training file written. */
  trainFile: string
  /** Conversations written to the validation file. */
  validationConversations: number
  /** The validation file written (empty when no conversation went to validation). */
  validationFile: string
}

/** The cost of a job and what it is made of. Money is in whole cents. */
export interface CostEstimate {
  /** Wall-clock hours billed, rounded up to 0.0001 h. */
  billableHours: SpreadDecimal
  /** Compute cost: billable hours x price x GPUs, in cents. */
  compute: SpreadMoney
  /** Always `USD`. */
  currency: string
  /** GPUs billed. */
  gpuCount: number
  /** Billable hours x GPUs. */
  gpuHours: SpreadDecimal
  /** Price per GPU-hour used. */
  pricePerGpuHour: string
  /** Storage cost for the assumed months, in cents. */
  storage: string
  /** Gigabytes stored (dataset and adapter). */
  storageGb: string
  /** Expected total: expected compute + storage. */
  total: string
  /** Total in the low, expected and high cases. */
  totalRange: SpreadMoney
}

/** `costs.history`: monthly totals. */
export interface CostHistoryArgs {
  /** Months back from this one (default 12). */
  months?: number | null
}

/** One charge, attributed to a billing month. */
export interface CostRecord {
  /** The exact amount. */
  amount: string
  /** Last day of the billing period (inclusive). */
  billingPeriodEnd: string
  /** First day of the billing period. */
  billingPeriodStart: string
  /** What the cost is for. */
  costType: CostType
  /** When the row was created. */
  createdAt: string
  /** ISO 4217 code of the amount; [`super::CURRENCY`] for every amount the core computes. */
  currency: string
  /** How the amount was computed (GPU type, count, hours, rate, ...). */
  details: unknown
  /** The record's id. */
  id: string
  /** The job the cost belongs to, if any (storage costs have none). */
  jobId?: string
  /** The user charged. */
  userId: string
}

/** This month's spending against the budget. */
export interface CostSummary {
  /** The user's budget settings. */
  budget: BudgetSettings
  /** Percentage of the monthly budget spent, when there is a budget. */
  budgetUsedPercent?: number
  /** The month's totals, by type. */
  month: CostTotals
}

/** The costs of one billing period, exact, in total and by type. */
export interface CostTotals {
  /** Every cost type, in [`CostType::ALL`] order, with its sum (zero when none). */
  byType: Array<[CostType, string]>
  /** The period. */
  period: BillingPeriod
  /** All costs of the period. */
  total: string
}

/** What a cost is for. */
export type CostType = "compute" | "storage" | "data_transfer"

/**
 * `datasets.create`: a dataset awaiting its file. Without `size` (a stream of unknown
 * length) the store's cap is declared; the upload records the real size.
 */
export interface CreateDatasetArgs {
  /** A description. */
  description?: string | null
  /** The file's name. */
  fileName: string
  /** The file's format. */
  format: DatasetFormat
  /** A name to show. */
  name: string
  /** The file's size in bytes, when known. */
  size?: number | null
}

/** The latest training metrics of a job (also the values of one stored metrics point). */
export interface CurrentMetrics {
  /** GPU memory in use, in GiB, on the fullest GPU. */
  gpuMemoryUsedGb?: number
  /** GPU utilisation in percent (0 to 100), averaged over the job's GPUs. */
  gpuUtilizationPercent?: number
  /** Gradient norm before clipping. */
  gradNorm?: number
  /** Learning rate of the schedule. */
  learningRate?: number
  /** Training throughput in tokens per second, all GPUs together. */
  tokensPerSecond?: number
  /** Training loss. */
  trainingLoss?: number
  /** Validation loss, at evaluation steps. */
  validationLoss?: number
}

/** A dataset: one uploaded training file of one user. */
export interface Dataset {
  /** Mean number of tokens per training example. */
  avgTokensPerExample?: number
  /** Mean number of turns per conversation. */
  avgTurnsPerConversation?: number
  /** When the row was created. */
  createdAt: string
  /** When the user deleted the dataset (soft delete). */
  deletedAt?: string
  /** Free-text description. */
  description?: string
  /** The file name as uploaded. */
  fileName: string
  /** File size in bytes. */
  fileSize: number
  /** The detected file format. */
  format: DatasetFormat
  /** The dataset's id. */
  id: string
  /** Display name chosen by the user. */
  name: string
  /** The first canonical conversations, for preview. */
  sampleData: unknown
  /** The full statistics object of the validation report. */
  statistics: unknown
  /** Where the dataset is in its life. */
  status: DatasetStatus
  /** Object-storage key of the file (`datasets/{user}/{dataset}/{file}`), once uploaded. */
  storagePath?: string
  /** Exact token count of the whole file, with the base model's tokenizer. */
  totalTokens: number
  /** Trainable pairs (assistant targets) in the training split. */
  totalTrainingPairs: number
  /** Pairs in the validation split. */
  totalValidationPairs: number
  /** Whether the dataset passed validation and can be trained on. */
  trainingReady: boolean
  /** When the row last changed. */
  updatedAt: string
  /** The owner. */
  userId: string
  /** When validation finished. */
  validatedAt?: string
  /** The stored findings of validation (the first ones of each code, up to a cap). */
  validationErrors: Array<ValidationFinding>
}

/** The file format of a dataset, detected from its first records (one format per file). */
export type DatasetFormat = "brightrun_lora_v4" | "brightrun_lora_v3" | "chat" | "prompt_completion" | "alpaca" | "sharegpt" | "text" | "gemini"

/** The statistics of a validation report. A file with errors still has them. */
export interface DatasetStats {
  /** Bytes of the file (decompressed). */
  bytes: number
  /** Records that became a canonical conversation (a v4 pair is one). */
  conversations: number
  /** Conversations that repeat an earlier one in the same split. */
  duplicates: number
  /** Lines of the file, blank lines counted. */
  lines: number
  /** The maximum sequence length checked against, if any. */
  maxSeqLen?: number
  /** Messages per conversation. */
  messagesPerConversation?: Spread
  /** Conversations longer than `max_seq_len` (they will be truncated). */
  overMaxSeqLen: number
  /** Records: non-blank lines of a JSONL file or records of a JSON document, `_meta` aside. */
  records: number
  /** Messages by role. */
  roles: RoleCounts
  /**
   * Distinct `conversation_id`s (v3, v4), when the format has them: a v4 conversation
   * spans several pairs.
   */
  sourceConversations?: number
  /** The token counter, as it names itself; `None` when tokens were not counted. */
  tokenizer?: string
  /** Whether the token counts are exactly the trainer's (false for an estimate). */
  tokensExact: boolean
  /** Tokens per conversation the trainer sees. */
  tokensPerConversation?: TokenSpread
  /** Tokens of the conversations the trainer sees (those with a target), both splits. */
  totalTokens?: number
  /** Conversations that are in both the train and the validation split. */
  trainValidationOverlap: number
  /** Of which assistant tokens, the ones the loss is computed on. */
  trainableTokens?: number
  /** Conversations of the train split with at least one assistant target. */
  trainingExamples: number
  /** Assistant targets (the pairs learnt from) in the train split. */
  trainingPairs: number
  /** v4 pairs whose `target_response` is null: user turns, counted, not trained on. */
  userTurnPairs: number
  /** Conversations of the validation split with at least one assistant target. */
  validationExamples: number
  /** Assistant targets in the validation split. */
  validationPairs: number
  /** Of `total_tokens`, those of the validation split. */
  validationTokens?: number
  /**
   * Conversations not trained on because of `weight: 0`: on the chat record, or on every
   * assistant message.
   */
  zeroWeightConversations: number
}

/** Where a dataset is in its life: uploaded, checked, then usable or not. */
export type DatasetStatus = "uploading" | "validating" | "ready" | "error"

/** What a job page shows about its dataset. */
export interface DatasetSummary {
  /** Its format. */
  format: DatasetFormat
  /** The dataset. */
  id: string
  /** Its name. */
  name: string
  /** Tokens. */
  totalTokens: number
  /** Training pairs. */
  trainingPairs: number
}

/** A created dataset and where to put its file. */
export interface DatasetUpload {
  /** The dataset, status `uploading`. */
  dataset: Dataset
  /**
   * A signed PUT URL (S3-compatible stores) or the local file path (a local directory);
   * `None` when the store gives no direct access: upload through
   * [`BrightRun::upload_dataset`] instead.
   */
  upload?: Location
}

/** `models.download_urls`: where to download each file of a model. */
export interface DownloadUrlsArgs {
  /** Seconds a signed URL stays valid (default 3600). */
  expiresIn?: number | null
  /** The model. */
  id: string
}

/** The duration of a job and what it is made of. */
export interface DurationEstimate {
  /** Training FLOPs of one token. */
  flopsPerToken: FlopsPerToken
  /** Reading the base weights. */
  modelLoadSeconds: SpreadFloat
  /** Writing the adapter. */
  saveSeconds: SpreadFloat
  /** Scheduling, container start and initialisation. */
  startupSeconds: SpreadFloat
  /** Where `tokens_per_second` came from. */
  throughputSource: ThroughputSource
  /** Tokens trained on per second, all GPUs together. */
  tokensPerSecond: SpreadFloat
  /** Tokens trained on: tokens per epoch x epochs. */
  tokensProcessed: number
  /** Wall-clock seconds from submission to the adapter being saved. */
  totalSeconds: SpreadFloat
  /** Seconds spent in training steps. */
  trainingSeconds: SpreadFloat
}

/** A complete estimate: time, money and memory, with warnings. */
export interface Estimate {
  /** The base model, as given in the hyperparameters. */
  baseModel: string
  /** The cost. */
  cost: CostEstimate
  /** The duration in detail. */
  duration: DurationEstimate
  /** Wall-clock hours, low / expected / high. */
  durationHours: SpreadFloat
  /** The GPUs priced. */
  gpu: GpuSelection
  /** The hyperparameters estimated. */
  hyperparameters: Hyperparameters
  /** Trainable adapter parameters. */
  loraParameters: number
  /** The memory fit. */
  memory: MemoryEstimate
  /** Tokens trained on. */
  tokens: TokenCounts
  /** Advice and problems worth a look before starting. */
  warnings: Array<Advice>
}

/** Lines read in one call, and the cursor after them. */
export interface EventBatch {
  /** Where the next call starts. */
  cursor: EventCursor
  /** Events and log lines, in order. */
  lines: Array<WorkerLine>
}

/**
 * Where the next read starts: a byte offset into the worker's output, stored with the job
 * so a restarted orchestrator continues where the last one stopped.
 */
export type EventCursor = number

/** A single change that makes a job fit, with what it would then need. */
export interface FitSuggestion {
  /** The change, in words with the new value. */
  change: string
  /**
   * Stable code: `gradient_checkpointing`, `quantization_4bit`, `quantization_8bit`,
   * `more_gpus`, `smaller_batch`, `shorter_sequences`, `larger_gpu`.
   */
  code: string
  /** GiB per GPU after the change. */
  requiredGb: number
}

/** The options of a conversion with JSON (or JavaScript) types; see [`FlatValidateOptions`]. */
export interface FlatConvertOptions {
  /** The format's name, instead of recognising it. */
  format?: string | null
  /** Share of the conversations without a `split` that go to validation: 0 to 1 excluded. */
  validationFraction?: number | null
}

/**
 * An estimate's options the way front ends without Rust's types hold them: names and
 * amounts as text, counts as numbers that may be floats (JSON, JavaScript, Python).
 *
 * Field names are [`EstimateOptions`]' and [`HyperparameterOverrides`]' (snake_case, as
 * in JSON); everything but `base_model`, `gpu` and `tokens` is optional. The Python
 * binding deserialises it from JSON, the Node binding fills it from its options object;
 * [`FlatEstimateOptions::into_options`] checks and converts every field, so both report
 * bad input with the same codes and messages.
 */
export interface FlatEstimateOptions {
  /** Base model by Hugging Face id. */
  baseModel?: string
  /** Examples per micro-batch, across all GPUs of the job. */
  batchSize?: number | null
  /** Dataset bytes (default 0). */
  datasetBytes?: number | null
  /** Passes over the training split. */
  epochs?: number | null
  /** Training examples. */
  examples?: number | null
  /** GPU type, a catalog name. */
  gpu?: string
  /** Number of GPUs (default 1). */
  gpus?: number | null
  /** Micro-batches accumulated into one optimiser step. */
  gradientAccumulationSteps?: number | null
  /** Recompute activations in the backward pass to save memory. */
  gradientCheckpointing?: boolean | null
  /** Peak learning rate of the schedule. */
  learningRate?: number | null
  /** LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`). */
  loraAlpha?: number | null
  /** Dropout applied to the LoRA input. */
  loraDropout?: number | null
  /** LoRA rank `r`. */
  loraRank?: number | null
  /** Gradient clipping norm. */
  maxGradNorm?: number | null
  /** Longest example in tokens; longer ones are truncated by the trainer. */
  maxSeqLen?: number | null
  /** Measured tokens per second of one GPU. */
  measuredTokensPerSecond?: number | null
  /** Path of the model's `config.json`. */
  modelConfig?: string | null
  /** Preset name (default `balanced`). */
  preset?: string | null
  /** Price per GPU-hour as decimal text (`"2.49"`). */
  pricePerGpuHour?: string | null
  /** Storage of the frozen base weights: none (bf16), 8bit or 4bit (QLoRA NF4). */
  quantization?: string | null
  /** Module names LoRA adapts (`q_proj`, `v_proj`, ...); the range is their count. */
  targetModules?: Array<string> | null
  /** Tokens in one epoch: a whole number. */
  tokens?: number
  /** Optimiser steps of linear learning-rate warmup. */
  warmupSteps?: number | null
  /** AdamW weight decay. */
  weightDecay?: number | null
}

/**
 * The options of a validation with JSON (or JavaScript) types: numbers are floats and must
 * be whole (`invalid_option`), the format is its name (`unknown_value`), and the tokenizer
 * a Hugging Face model id or a `tokenizer.json` path (`tokenizer_load_failed`). Unset
 * fields take the CLI's defaults: the format detected, `max_seq_len` 2048, `min_examples` 10,
 * tokens estimated.
 */
export interface FlatValidateOptions {
  /**
   * The format's name (`chat`, `prompt_completion`, `alpaca`, `sharegpt`, `text`,
   * `brightrun_lora_v3`, `brightrun_lora_v4`).
   */
  format?: string | null
  /** Conversations longer than this many tokens are reported. */
  maxSeqLen?: number | null
  /** Fewer training examples than this is an error. */
  minExamples?: number | null
  /**
   * A Hugging Face model id or the path of a `tokenizer.json`, to count tokens exactly;
   * found in the local caches only (see [`ResolveOptions::from_env`]).
   */
  tokenizer?: string | null
}

/** The FLOPs of one trained token, with the terms that make it up. */
export interface FlopsPerToken {
  /** Forward, backward and weight-gradient FLOPs of the adapter. */
  adapter: number
  /** Attention score and value FLOPs (forward, backward, recomputation). */
  attention: number
  /** Dense matmul FLOPs through the frozen weights (forward, backward, recomputation). */
  frozenMatmul: number
  /** The sum. */
  total: number
}

/** A function called and its arguments. */
export interface FunctionCall {
  /** The arguments, a JSON object (OpenAI's string of JSON, parsed). */
  arguments: JsonObject
  /** The function's name, one of the conversation's tools. */
  name: string
}

/** A function's name, what it does and the JSON schema of its arguments. */
export interface FunctionDefinition {
  /** What it does, for the model. */
  description?: string
  /** The name calls use. */
  name: string
  /** The JSON schema of its arguments. */
  parameters?: JsonObject
}

/** The GPUs a job runs on: a kind, a count and the price actually paid. */
export interface GpuSelection {
  /** GPUs in the job, 1 to 8. */
  gpuCount: number
  /** Catalog name of the GPU. */
  gpuType: string
  /** Price per GPU-hour in USD. */
  pricePerGpuHour: string
}

/** One kind of GPU. */
export interface GpuSpec {
  /** Dense bf16 tensor-core peak in TFLOP/s (no sparsity). */
  bf16Tflops: number
  /** Default price per GPU-hour in USD. */
  defaultPricePerHour: string
  /** Memory bandwidth in GB/s. */
  memoryBandwidthGbps: number
  /** Memory per GPU in GiB. */
  memoryGb: number
  /** Catalog name (`A100-80GB`). */
  name: string
}

/**
 * One hyperparameter a job may set: its name, kind, allowed values and what it is. The
 * bindings' `hyperparameters()` and `brightrun hyperparameters --json` list them all, so a
 * form can offer exactly what a job accepts.
 */
export interface HyperparameterSpec {
  /** The allowed names of a choice (empty for the other kinds). */
  choices: Array<string>
  /** What it is, in one line. */
  doc: string
  /** What it holds. */
  kind: ValueKind
  /** The field, as named in JSON and flags (`lora_rank`, `--lora-rank`, `loraRank`). */
  name: string
  /** The allowed values (for a list of names, their count), when a range applies. */
  range?: AllowedRange
}

/** Everything that shapes one LoRA training run. */
export interface Hyperparameters {
  /** Hugging Face Hub id (or local directory) of the base model. */
  baseModel: string
  /** Examples per micro-batch, across all GPUs of the job. */
  batchSize: number
  /** Passes over the training split. */
  epochs: number
  /** Micro-batches accumulated into one optimiser step. */
  gradientAccumulationSteps: number
  /** Recompute activations in the backward pass to save memory. */
  gradientCheckpointing: boolean
  /** Peak learning rate of the schedule. */
  learningRate: number
  /** LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`). */
  loraAlpha: number
  /** Dropout applied to the LoRA input. */
  loraDropout: number
  /** LoRA rank `r`. */
  loraRank: number
  /** Gradient clipping norm. */
  maxGradNorm: number
  /** Longest example in tokens; longer ones are truncated by the trainer. */
  maxSeqLen: number
  /** Storage of the frozen base weights. */
  quantization: Quantization
  /** Module names LoRA adapts (`q_proj`, `v_proj`, ...). */
  targetModules: Array<string>
  /** Optimiser steps of linear learning-rate warmup. */
  warmupSteps: number
  /** AdamW weight decay. */
  weightDecay: number
}

/**
 * `jobs.estimate` and `jobs.create`: the dataset, and the estimate's options (base
 * model, GPU, count, price, preset and any hyperparameter; the dataset gives the tokens).
 */
export interface JobArgs {
  /** Base model by Hugging Face id. */
  baseModel?: string
  /** Examples per micro-batch, across all GPUs of the job. */
  batchSize?: number | null
  /** Dataset bytes (default 0). */
  datasetBytes?: number | null
  /** The dataset (status `ready`). */
  datasetId: string
  /** Passes over the training split. */
  epochs?: number | null
  /** Training examples. */
  examples?: number | null
  /** GPU type, a catalog name. */
  gpu?: string
  /** Number of GPUs (default 1). */
  gpus?: number | null
  /** Micro-batches accumulated into one optimiser step. */
  gradientAccumulationSteps?: number | null
  /** Recompute activations in the backward pass to save memory. */
  gradientCheckpointing?: boolean | null
  /** Peak learning rate of the schedule. */
  learningRate?: number | null
  /** LoRA scaling numerator `alpha` (the update is scaled by `alpha / r`). */
  loraAlpha?: number | null
  /** Dropout applied to the LoRA input. */
  loraDropout?: number | null
  /** LoRA rank `r`. */
  loraRank?: number | null
  /** Gradient clipping norm. */
  maxGradNorm?: number | null
  /** Longest example in tokens; longer ones are truncated by the trainer. */
  maxSeqLen?: number | null
  /** Measured tokens per second of one GPU. */
  measuredTokensPerSecond?: number | null
  /** Path of the model's `config.json`. */
  modelConfig?: string | null
  /** Preset name (default `balanced`). */
  preset?: string | null
  /** Price per GPU-hour as decimal text (`"2.49"`). */
  pricePerGpuHour?: string | null
  /** Storage of the frozen base weights: none (bf16), 8bit or 4bit (QLoRA NF4). */
  quantization?: string | null
  /** Module names LoRA adapts (`q_proj`, `v_proj`, ...); the range is their count. */
  targetModules?: Array<string> | null
  /** Tokens in one epoch: a whole number. */
  tokens?: number
  /** Optimiser steps of linear learning-rate warmup. */
  warmupSteps?: number | null
  /** AdamW weight decay. */
  weightDecay?: number | null
}

/** A job with its dataset. */
export interface JobDetails {
  /** Its dataset (even if since deleted, as it was). */
  dataset?: DatasetSummary
  /** The job. */
  job: TrainingJob
}

/** `jobs.events`: the worker's output after a cursor. */
export interface JobEventsArgs {
  /** The cursor of the previous page (default: from the start). */
  after?: number | null
  /** The job. */
  id: string
}

/** `jobs.metrics`: a job's metrics, downsampled. */
export interface JobMetricsArgs {
  /** The job. */
  id: string
  /** The most points (2 to 5,000; default 500). */
  maxPoints?: number | null
  /** The series whose shape the downsampling keeps (default `training_loss`). */
  series?: MetricSeries | null
}

/** What a running job is doing: a refinement of [`JobStatus::Running`]. */
export type JobStage = "queued_on_backend" | "loading" | "training" | "evaluating" | "saving" | "collecting"

/** The status of a training job. */
export type JobStatus = "queued" | "initializing" | "running" | "completed" | "failed" | "cancelled"

export type JsonObject = Record<string, unknown>

/** How the records of a file are laid out. */
export type Layout = "jsonl" | "json_document" | "json_array" | "csv" | "parquet" | "arrow"

/** `datasets.list`: a page of the user's datasets, newest first. */
export interface ListDatasetsArgs {
  /** Only datasets of this format. */
  format?: DatasetFormat | null
  /** Rows of the page (default 20). */
  limit?: number | null
  /** Rows skipped before the page. */
  offset?: number | null
  /** Only datasets whose name contains this text. */
  search?: string | null
  /** Only datasets of this status. */
  status?: DatasetStatus | null
}

/** `jobs.list`: a page of the user's jobs, newest first. */
export interface ListJobsArgs {
  /** Only jobs of this dataset. */
  datasetId?: string | null
  /** Rows of the page (default 20). */
  limit?: number | null
  /** Rows skipped before the page. */
  offset?: number | null
  /** Only jobs of this status. */
  status?: JobStatus | null
}

/** `models.list`: a page of the user's models, newest first. */
export interface ListModelsArgs {
  /** Only the model of this job. */
  jobId?: string | null
  /** Rows of the page (default 20). */
  limit?: number | null
  /** Rows skipped before the page. */
  offset?: number | null
  /** Only models of this status. */
  status?: ArtifactStatus | null
}

/** `notifications.list`: a page of the user's notifications, newest first. */
export interface ListNotificationsArgs {
  /** Rows of the page (default 20). */
  limit?: number | null
  /** Rows skipped before the page. */
  offset?: number | null
  /** Only unread ones. */
  unread?: boolean | null
}

/**
 * Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
 * "access", "expires_at"}` or `{"kind": "local_path", "path"}`.
 */
export interface LocationSignedUrl {
  access: Access
  /** A UTC time (RFC 3339) with microsecond precision. */
  expiresAt: string
  kind: "signed_url"
  url: string
}

/**
 * Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
 * "access", "expires_at"}` or `{"kind": "local_path", "path"}`.
 */
export interface LocationLocalPath {
  kind: "local_path"
  /** A local file path. */
  path: string
}

/**
 * Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
 * "access", "expires_at"}` or `{"kind": "local_path", "path"}`.
 */
export type Location = LocationSignedUrl | LocationLocalPath

/** The memory one GPU needs, term by term, in GiB. */
export interface MemoryBreakdown {
  /** Activations kept for the backward pass. */
  activationsGb: number
  /** Adapter weights, gradients and optimiser state. */
  adapterGb: number
  /** Logits and their gradient. */
  logitsGb: number
  /** CUDA context, workspaces and fragmentation. */
  overheadGb: number
  /** Frozen base weights on this GPU. */
  weightsGb: number
}

/** Whether the job fits, by how much, and what would make it fit. */
export interface MemoryEstimate {
  /** GiB each GPU has. */
  availableGb: number
  /** The terms of `required_gb`. */
  breakdown: MemoryBreakdown
  /** Whether `required_gb` fits in `available_gb`. */
  fits: boolean
  /** `available_gb - required_gb`: negative when it does not fit. */
  marginGb: number
  /** GiB needed on each GPU. */
  requiredGb: number
  /** Changes that would make it fit (empty when it fits). */
  suggestions: Array<FitSuggestion>
}

/** One message of a conversation. */
export interface Message {
  /** What is said. */
  content: string
  /**
   * The function whose result a `tool` message is: the answered call's, or the `name` the
   * data gives the result of a call written in text. Left out of JSON when `None`.
   */
  name?: string
  /**
   * The reasoning an assistant message gives before its answer, as Qwen3's and DeepSeek's
   * chat templates read it: trained on with the message, the way the template renders
   * it. Left out of JSON when `None`.
   */
  reasoningContent?: string
  /** Who speaks. */
  role: Role
  /** The call a `tool` message answers. Left out of JSON when `None`. */
  toolCallId?: string
  /**
   * The tools an assistant message calls (its `content` may then be empty). Left out of
   * JSON when `None`.
   */
  toolCalls?: Array<ToolCall>
  /**
   * Whether an assistant message is trained on: `Some(0)` not, `Some(1)` or `None` (the
   * default) yes. Only 0 and 1 are legal, and only on assistant messages; the validator
   * reports anything else. Left out of JSON when `None`.
   */
  weight?: number
}

/** One metric series of the metrics points, for downsampled reads. */
export type MetricSeries = "training_loss" | "validation_loss" | "learning_rate" | "grad_norm" | "tokens_per_second" | "gpu_utilization" | "gpu_memory"

/**
 * The metrics of one job at one optimiser step (unique per job and step).
 *
 * In JSON and in the database the metric values are plain columns beside `step` and
 * `epoch`; in Rust they are the same [`CurrentMetrics`] a job keeps as its latest values.
 */
export interface MetricsPoint {
  /** Fractional epoch at this step (`1.5` is halfway through the second epoch). */
  epoch: number
  /** GPU memory in use, in GiB, on the fullest GPU. */
  gpuMemoryUsedGb?: number
  /** GPU utilisation in percent (0 to 100), averaged over the job's GPUs. */
  gpuUtilizationPercent?: number
  /** Gradient norm before clipping. */
  gradNorm?: number
  /** The job. */
  jobId: string
  /** Learning rate of the schedule. */
  learningRate?: number
  /** When the worker measured them. */
  recordedAt: string
  /** The optimiser step. */
  step: number
  /** Training throughput in tokens per second, all GPUs together. */
  tokensPerSecond?: number
  /** Training loss. */
  trainingLoss?: number
  /** Validation loss, at evaluation steps. */
  validationLoss?: number
}

/** The shape of a decoder-only transformer, as far as training cost and memory depend on it. */
export interface ModelArchitecture {
  /** Query heads. */
  attentionHeads: number
  /** Longest context the model was trained for. */
  contextLength: number
  /** Model (residual stream) width. */
  hiddenSize: number
  /** MLP inner width. */
  intermediateSize: number
  /** Key/value heads (fewer than query heads with grouped-query attention). */
  kvHeads: number
  /** Transformer blocks. */
  layers: number
  /** Total parameters, embeddings included. */
  parameters: number
  /** Whether the output head shares the embedding matrix. */
  tiedEmbeddings: boolean
  /** Vocabulary size. */
  vocabSize: number
}

/** A trained LoRA adapter (PEFT files) with its provenance and quality. */
export interface ModelArtifact {
  /** The base model the adapter applies to (Hugging Face id). */
  baseModel: string
  /** Preset, hyperparameters and GPUs. */
  configuration: ArtifactConfiguration
  /** When the row was created. */
  createdAt: string
  /** The dataset it was trained on. */
  datasetId: string
  /** When the user deleted the artifact (soft delete). */
  deletedAt?: string
  /** Free-text description. */
  description?: string
  /** The files under the prefix. */
  files: Array<ArtifactFile>
  /** The artifact's id. */
  id: string
  /** The job that trained it. */
  jobId: string
  /** Display name. */
  name: string
  /** The adapter this one continued training from. */
  parentModelId?: string
  /** Loss, perplexity and convergence. */
  qualityMetrics: QualityMetrics
  /** Where the artifact is in its life. */
  status: ArtifactStatus
  /** Object-storage prefix of the files: `models/{user}/{model}/`. */
  storagePath: string
  /** Duration, GPU-hours, steps, tokens and cost. */
  trainingSummary: TrainingSummary
  /** When the row last changed. */
  updatedAt: string
  /** The owner. */
  userId: string
}

/** Where to download one file of a model. */
export interface ModelDownload {
  /** Its size. */
  bytes: number
  /** A signed URL with an expiry, or the local path on a local directory store. */
  location: Location
  /** The file name (`adapter_model.safetensors`, ...). */
  name: string
  /** Its sha256, to check the download. */
  sha256: string
}

/** A message to one user. */
export interface Notification {
  /** Where the host app should link to (`/jobs/{id}`). */
  actionUrl?: string
  /** When the row was created. */
  createdAt: string
  /** The notification's id. */
  id: string
  /** The message body. */
  message: string
  /** Structured details (job id, dataset id, amounts, ...). */
  metadata: unknown
  /** What it is about. */
  notificationType: NotificationType
  /** How urgent it is. */
  priority: NotificationPriority
  /** Whether the user has read it. */
  read: boolean
  /** When the user first read it. */
  readAt?: string
  /** One-line title. */
  title: string
  /** The recipient. */
  userId: string
}

/** How urgently a notification should reach the user. */
export type NotificationPriority = "low" | "normal" | "high" | "urgent"

/** What a notification is about. */
export type NotificationType = "job_queued" | "job_started" | "job_complete" | "job_failed" | "job_cancelled" | "dataset_ready" | "dataset_error" | "cost_alert" | "system"

/**
 * Where the service keeps things: the JSON object a binding's `open` sends (snake_case).
 * Every field is optional; the environment ([`BrightRunConfig::from_env`]) fills the rest.
 *
 * ```
 * use brightrun_core::service::operations::OpenOptions;
 *
 * let options: OpenOptions = serde_json::from_str(r#"{"home": "/tmp/brightrun-doc"}"#).unwrap();
 * let config = options.config().unwrap();
 * assert!(config.database_url.starts_with("sqlite://"));
 * ```
 */
export interface OpenOptions {
  /** `sqlite://...` or `postgres://...` instead of the home's SQLite file. */
  databaseUrl?: string | null
  /** Another home than `$BRIGHTRUN_HOME`. */
  home?: string | null
  /** A directory or `s3://...` instead of the home's storage directory. */
  storageUrl?: string | null
  /** The worker command of the local backend, when `$BRIGHTRUN_WORKER` does not set it. */
  workerCommand?: Array<string> | null
}

/** One page of a listing and the number of rows that match the filter in all pages. */
export interface PageDataset {
  /** The rows of this page. */
  items: Array<Dataset>
  /** Rows matching the filter, all pages together. */
  total: number
}

/** One page of a listing and the number of rows that match the filter in all pages. */
export interface PageModelArtifact {
  /** The rows of this page. */
  items: Array<ModelArtifact>
  /** Rows matching the filter, all pages together. */
  total: number
}

/** One page of a listing and the number of rows that match the filter in all pages. */
export interface PageNotification {
  /** The rows of this page. */
  items: Array<Notification>
  /** Rows matching the filter, all pages together. */
  total: number
}

/** One page of a listing and the number of rows that match the filter in all pages. */
export interface PageTrainingJob {
  /** The rows of this page. */
  items: Array<TrainingJob>
  /** Rows matching the filter, all pages together. */
  total: number
}

/** A preset: three tuned starting points, or `custom` for hand-set values. */
export type Preset = "conservative" | "balanced" | "aggressive" | "custom"

/** A preset as the catalogs list it: `brightrun presets --json` and the bindings' `presets()`. */
export interface PresetSummary {
  /** When to choose it. */
  description: string
  /** Its values (with an empty base model: the preset is the same for every model). */
  hyperparameters: Hyperparameters
  /** The preset's name. */
  name: Preset
}

/** The quality figures of a trained adapter. */
export interface QualityMetrics {
  /** The epoch (1-based) with the lowest validation loss. */
  bestEpoch?: number
  /** Lowest validation loss of the run. */
  bestValidationLoss?: number
  /** How well the loss converged. */
  convergenceQuality?: ConvergenceQuality
  /** Training loss at the last step. */
  finalTrainingLoss?: number
  /** Validation loss at the last evaluation. */
  finalValidationLoss?: number
  /** Perplexity on the validation split (`exp` of its loss). */
  perplexity?: number
}

/** How the frozen base weights are stored on the GPU during training. */
export type Quantization = "none" | "8bit" | "4bit"

/** Who speaks a message. */
export type Role = "system" | "user" | "assistant" | "tool" | "text"

/** Messages by role, over all conversations. */
export interface RoleCounts {
  /** Assistant messages. */
  assistant: number
  /** System messages. */
  system: number
  /** Plain-text documents (`text` records). */
  text: number
  /** Tool results (chat with tools); left out of JSON when 0. */
  tool?: number
  /** User messages. */
  user: number
}

/** `costs.set_budget`: the budget, amounts as decimal strings; an absent amount is unlimited. */
export interface SetBudgetArgs {
  /** The share of the budget at which the user is alerted, in percent (default 80). */
  alertThresholdPercent?: number | null
  /** The monthly budget in USD. */
  monthly?: string | null
  /** The most one job may cost, in USD. */
  perJobCap?: string | null
}

/** How serious a validation finding is. */
export type Severity = "error" | "warning" | "info"

/** Where a conversation came from in its file: what every finding points at. */
export interface Source {
  /** The record's own id, when the format has one (`id`, `conversation_id`). */
  id?: string
  /** 1-based line of the record (JSONL), or of its start (a JSON document). */
  line: number
  /**
   * JSON path of the record inside a JSON document (`conversations[3].training_pairs[2]`);
   * `None` for a JSONL line.
   */
  path?: string
}

/** Which split a conversation belongs to. */
export type Split = "train" | "validation"

/** Minimum, mean and maximum of a per-conversation quantity. */
export interface Spread {
  /** The largest. */
  max: number
  /** The mean. */
  mean: number
  /** The smallest. */
  min: number
}

/**
 * One figure in three scenarios.
 *
 * For an assumption, each field is the value used in that scenario of the *result*: a
 * `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
 * assumes 50% utilisation.
 */
export interface SpreadDecimal {
  /** The most likely case. */
  expected: string
  /** The pessimistic case: longest, most expensive. */
  high: string
  /** The optimistic case: shortest, cheapest, smallest. */
  low: string
}

/**
 * One figure in three scenarios.
 *
 * For an assumption, each field is the value used in that scenario of the *result*: a
 * `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
 * assumes 50% utilisation.
 */
export interface SpreadFloat {
  /** The most likely case. */
  expected: number
  /** The pessimistic case: longest, most expensive. */
  high: number
  /** The optimistic case: shortest, cheapest, smallest. */
  low: number
}

/**
 * One figure in three scenarios.
 *
 * For an assumption, each field is the value used in that scenario of the *result*: a
 * `utilization` of `{low: 0.5, expected: 0.4, high: 0.28}` means the shortest (low) duration
 * assumes 50% utilisation.
 */
export interface SpreadMoney {
  /** The most likely case. */
  expected: string
  /** The pessimistic case: longest, most expensive. */
  high: string
  /** The optimistic case: shortest, cheapest, smallest. */
  low: string
}

/** Where the throughput figure came from. */
export type ThroughputSource = "flops_model" | "measured"

/** The tokens a job trains on. */
export interface TokenCounts {
  /** Tokens in one epoch. */
  perEpoch: number
  /** Tokens over all epochs. */
  total: number
}

/** The distribution of tokens per conversation. Quantiles are exact, by nearest rank. */
export interface TokenSpread {
  /** The longest conversation. */
  max: number
  /** The mean. */
  mean: number
  /** The median (the lower one for an even count). */
  median: number
  /** The shortest conversation. */
  min: number
  /** The 95th percentile. */
  p95: number
}

/** A tool the model may call: `{"type": "function", "function": {...}}`. */
export interface Tool {
  /** The function. */
  function: FunctionDefinition
  /** Always `function`. */
  type: ToolKind
}

/**
 * One call an assistant message makes: `{"id", "type": "function", "function": {"name",
 * "arguments"}}`, the arguments as a JSON object.
 */
export interface ToolCall {
  /** The function called. */
  function: FunctionCall
  /** The id a `tool` message answers with its `tool_call_id`. */
  id: string
  /** Always `function`. */
  type: ToolKind
}

/** The kind of a tool: only functions exist. */
export type ToolKind = "function"

/** A training job: one LoRA fine-tuning run of one dataset on one GPU selection. */
export interface TrainingJob {
  /** The adapter produced, once collected. */
  artifactId?: string
  /** The backend's serialised handle of the current attempt, so polling survives a restart. */
  backendHandle: unknown
  /**
   * When its owner asked to cancel the job while it was being launched or ran: the
   * orchestrator stops its worker and the job ends `cancelled` once the worker is gone.
   */
  cancelRequestedAt?: string
  /** When the job reached a final status. */
  completedAt?: string
  /** When the row was created. */
  createdAt: string
  /** The cost so far, every attempt included. */
  currentCost: string
  /** The epoch in progress (1-based; 0 before training starts). */
  currentEpoch: number
  /** The latest metrics reported. */
  currentMetrics?: CurrentMetrics
  /** Optimiser steps taken in the current attempt. */
  currentStep: number
  /** The dataset trained on. */
  datasetId: string
  /** Message of the most recent error. */
  errorMessage?: string
  /** Stable code of the most recent error (`out_of_memory`), transient or final. */
  errorType?: string
  /** When the job is expected to complete. */
  estimatedCompletionAt?: string
  /** The cost estimated before submission. */
  estimatedTotalCost?: string
  /** The backend's own id of the current attempt. */
  externalJobId?: string
  /** The cost of the whole job, set when it reaches a final status. */
  finalCost?: string
  /** The GPUs and their price. */
  gpu: GpuSelection
  /** The hyperparameters of the run. */
  hyperparameters: Hyperparameters
  /** The job's id. */
  id: string
  /** The preset the hyperparameters started from. */
  preset: Preset
  /** Progress of the current attempt, 0 to 100. */
  progressPercent: number
  /** When the job was queued. */
  queuedAt: string
  /** Retries after transient failures so far. */
  retryCount: number
  /** What a running job is doing; `None` in every other status. */
  stage?: JobStage
  /** When the current attempt started running. */
  startedAt?: string
  /** The status, changed only through [`TrainingJob::transition`]. */
  status: JobStatus
  /** Epochs the run will take. */
  totalEpochs: number
  /** Optimiser steps the run will take. */
  totalSteps: number
  /** When the row last changed. */
  updatedAt: string
  /** The owner. */
  userId: string
}

/** What the training run took. */
export interface TrainingSummary {
  /** Mean training throughput. */
  averageTokensPerSecond: number
  /** Wall-clock seconds from start to completion. */
  durationSeconds: number
  /** Whole epochs completed. */
  epochsCompleted: number
  /** The cost of the job. */
  finalCost: string
  /** GPU-hours billed: duration times GPU count, exact. */
  gpuHours: string
  /** Tokens trained on, all epochs together. */
  tokensProcessed: number
  /** Optimiser steps taken. */
  totalSteps: number
}

/** `datasets.update`: a name or description change; a `description` of `null` clears it. */
export interface UpdateDatasetArgs {
  /** A new description (`null` clears it). */
  description?: string | null
  /** The dataset. */
  id: string
  /** A new name. */
  name?: string | null
}

/** `models.update`: a name, description or status change. */
export interface UpdateModelArgs {
  /** A new description (`null` clears it). */
  description?: string | null
  /** The model. */
  id: string
  /** A new name. */
  name?: string | null
  /** A new status (`archived`, ...). */
  status?: ArtifactStatus | null
}

/** `datasets.upload`: the local file to stream into a dataset awaiting its file. */
export interface UploadDatasetArgs {
  /** The dataset (status `uploading`). */
  id: string
  /** The local file. */
  path: string
}

/** One problem or remark found while validating a dataset file. */
export interface ValidationFinding {
  /** Stable snake_case code of the rule (`missing_target_response`). */
  code: string
  /** The file's real 1-based line number (blank lines counted), when the finding has one. */
  line?: number
  /** What is wrong, for a person. */
  message: string
  /** The JSON path inside the record or document (`conversations[3].training_pairs[2]`). */
  path?: string
  /** How serious the finding is. */
  severity: Severity
  /** How to fix it, when there is an obvious fix. */
  suggestion?: string
}

/** The outcome of validating a dataset file. */
export interface ValidationReport {
  /** Every finding counted by code. */
  counts: Record<string, number>
  /** Findings of severity error, all counted. */
  errors: number
  /** The first findings of each code, in file order. */
  findings: Array<ValidationFinding>
  /** Whether some counted findings are left out of `findings`. */
  findingsTruncated: boolean
  /** The file's format; `None` for a file without records. */
  format?: DatasetFormat
  /** Findings of severity info, all counted. */
  infos: number
  /** How the records are laid out (JSON Lines expected). */
  layout: Layout
  /** The first canonical conversations, for a preview. */
  sampleData: Array<Conversation>
  /** The statistics, produced even for an invalid file. */
  stats: DatasetStats
  /** Whether the file can be trained on: no finding of severity error. */
  valid: boolean
  /** Findings of severity warning, all counted. */
  warnings: number
}

/** The kind of value a hyperparameter holds. */
export type ValueKind = "float" | "integer" | "names" | "choice" | "switch"

/** Training has started. */
export interface WorkerEventStarted {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  /** The device (`cuda`, `cpu`). */
  device?: string
  /** Epochs of the run. */
  epochs: number
  event: "started"
  /** Optimiser steps of the whole run. */
  totalSteps: number
  /** Training examples after tokenization. */
  trainExamples?: number
}

/** A new phase of the run. */
export interface WorkerEventPhase {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  event: "phase"
  /** `loading`, `training`, `evaluating`, `saving`. */
  phase: string
}

/** Training metrics at an optimiser step. */
export interface WorkerEventMetric {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  /** Fractional epoch. */
  epoch?: number
  event: "metric"
  /** GPU memory in use, GB. */
  gpuMemoryUsedGb?: number
  /** GPU utilisation, percent. */
  gpuUtilizationPercent?: number
  /** Gradient norm before clipping. */
  gradNorm?: number
  /** Learning rate. */
  learningRate?: number
  /** Training loss. */
  loss?: number
  /** The step. */
  step: number
  /** Tokens per second. */
  tokensPerSecond?: number
  /** Steps of the whole run. */
  totalSteps?: number
}

/** Validation loss. */
export interface WorkerEventEval {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  /** The epoch just finished. */
  epoch?: number
  /** Mean loss per trainable token. */
  evalLoss?: number
  event: "eval"
  /** The step. */
  step: number
}

/** A file of the adapter, written. */
export interface WorkerEventArtifact {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  /** Size. */
  bytes: number
  event: "artifact"
  /** File name. */
  name: string
  /** Where the worker wrote it. */
  path?: string
  /** Hex sha256. */
  sha256: string
}

/** The run finished successfully. */
export interface WorkerEventCompleted {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  /** Seconds of the run. */
  durationSeconds?: number
  event: "completed"
  /** Optimiser steps done. */
  steps?: number
  /** Tokens processed. */
  tokens?: number
}

/** The run failed. */
export interface WorkerEventFailed {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  /** `bad_spec`, `dataset_error`, `out_of_memory`, `internal`, ... */
  errorType: string
  event: "failed"
  /** What happened. */
  message: string
}

/** The run stopped on request. */
export interface WorkerEventCancelled {
  /** Sequence number, from 1: a re-read event has a `seq` already seen. */
  seq: number
  /** When the worker wrote it. */
  ts: string
  /** Protocol version. */
  v: number
  event: "cancelled"
  /** Whether a partial adapter was saved. */
  partialAdapter: boolean
  /** The last step done. */
  step?: number
}

/** One event of a worker. */
export type WorkerEvent = WorkerEventStarted | WorkerEventPhase | WorkerEventMetric | WorkerEventEval | WorkerEventArtifact | WorkerEventCompleted | WorkerEventFailed | WorkerEventCancelled

/**
 * A line of worker output: an event, or anything else (a log line, or a malformed event,
 * which is logged rather than trusted). As JSON: `{"event": {...}}` or `{"log": "..."}`.
 */
export type WorkerLine = { event: WorkerEvent } | { log: string }
