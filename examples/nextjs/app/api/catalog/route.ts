// GET /api/catalog: the presets, GPUs and base models the estimator knows, and the
// hyperparameters a job may set.
import { baseModels, gpus, hyperparameters, presets } from 'brightrun'

import { ok } from '../../../lib/server/respond'
import { route } from '../../../lib/server/route'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const GET = route(async () => ok({ presets: presets(), gpus: gpus(), baseModels: baseModels(), hyperparameters: hyperparameters() }))
