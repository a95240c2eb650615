'use strict'
/** How each operation's answer is read: the generated shape of its result (see convert.js). */

const { reader } = require('./convert.js')

const read = {
  dataset: reader('Dataset'),
  upload: reader('DatasetUpload'),
  datasets: reader('Page_for_Dataset'),
  report: reader('ValidationReport'),
  estimate: reader('Estimate'),
  job: reader('TrainingJob'),
  details: reader('JobDetails'),
  jobs: reader('Page_for_TrainingJob'),
  events: reader('EventBatch'),
  metrics: reader('MetricsPoint', { list: true }),
  costRecords: reader('CostRecord', { list: true }),
  model: reader('ModelArtifact'),
  models: reader('Page_for_ModelArtifact'),
  downloads: reader('ModelDownload', { list: true }),
  costSummary: reader('CostSummary'),
  costHistory: reader('CostTotals', { list: true }),
  budget: reader('BudgetSettings'),
  notification: reader('Notification'),
  notifications: reader('Page_for_Notification'),
  count: (text) => JSON.parse(text),
  nothing: () => undefined,
}

module.exports = { read }
