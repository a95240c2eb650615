// The shapes of the API's answers (the `data` of `{success: true, data}`). The records are the
// package's own types (type-only imports: nothing of the native package reaches the browser).
import type {
  BaseModel,
  BudgetSettings,
  CostSummary,
  CostTotals,
  Dataset,
  DatasetSummary,
  Estimate,
  GpuSpec,
  HyperparameterSpec,
  MetricsPoint,
  ModelArtifact,
  Notification,
  PresetSummary,
  TrainingJob,
  ValidationReport,
} from 'brightrun'

export type {
  BudgetSettings,
  Dataset,
  DatasetFormat,
  DatasetStats,
  DatasetSummary,
  Estimate,
  HyperparameterSpec,
  Hyperparameters,
  MetricsPoint,
  ModelArtifact,
  Preset,
  PresetSummary,
  TrainingJob,
  ValidationFinding,
  ValidationReport,
  WorkerEvent,
} from 'brightrun'

/** The paging fields of every list answer. */
export interface Paging {
  total: number
  page: number
  limit: number
  totalPages: number
}

/** `GET /api/datasets`. */
export type DatasetPage = Paging & { datasets: Dataset[] }
/** `GET /api/jobs`. */
export type JobPage = Paging & { jobs: TrainingJob[] }
/** `GET /api/models`. */
export type ModelPage = Paging & { models: ModelArtifact[] }
/** `GET /api/notifications`. */
export type NotificationPage = Paging & { notifications: Notification[]; unreadCount: number }

/** `POST /api/datasets`: the new dataset and where to PUT its file. */
export interface CreatedDataset {
  dataset: Dataset
  uploadUrl: string
  storagePath?: string
}

/** `GET /api/datasets/[id]`: the dataset and its full validation report, once validated. */
export interface DatasetDetail {
  dataset: Dataset
  report?: ValidationReport | null
}

/** `GET /api/jobs/[id]`: the job and a summary of its dataset. */
export interface JobDetail {
  job: TrainingJob
  dataset?: DatasetSummary | null
}

/** `GET /api/jobs/[id]/metrics`: the downsampled metrics points. */
export interface JobMetrics {
  metrics: MetricsPoint[]
}

/** One file of `GET /api/models/[id]/download`. */
export interface DownloadFile {
  name: string
  bytes: number
  sha256: string
  /** A signed URL (S3) or the same-origin file route (local storage). */
  url: string
  /** When a signed URL expires; null for the same-origin route. */
  expiresAt: string | null
}

/** `GET /api/costs`: this month against the budget, the budget, and the months before. */
export interface CostsOverview {
  summary: CostSummary
  budget: BudgetSettings
  history: CostTotals[]
}

/** `GET /api/catalog`: what a job can be configured with. */
export interface Catalog {
  presets: PresetSummary[]
  gpus: GpuSpec[]
  baseModels: BaseModel[]
  /** What the form may set: the core's table of hyperparameters. */
  hyperparameters: HyperparameterSpec[]
}

/** `POST /api/jobs/estimate`. */
export interface EstimateAnswer {
  estimate: Estimate
}

/** `GET /api/models/[id]/download`. */
export interface DownloadAnswer {
  files: DownloadFile[]
}

/** `PUT /api/costs/budget`. */
export interface BudgetAnswer {
  budget: BudgetSettings
}
